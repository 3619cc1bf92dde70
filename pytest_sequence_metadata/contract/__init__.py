"""What the Metadata service promises, with nothing of the emulator, the plugin or HTTP in it.

- `spec`: the bundled OpenAPI contract, loaded once, with a validator per request and response;
- `errors`: the webrpc error table;
- `gowire`: the Go types of every request and response (read from the spec) and Go's decoding rules;
- `operations`: the registry of operations built from the spec;
- `assumptions`: the named choices made where the service's documents are silent;
- `types`: the answers as `TypedDict`s, one per response schema of the spec.

The emulator and the contract suite both import this package and never each other, so the suite
judges a target by the contract, not by the emulator's model of it.
"""
