module github.com/0xsequence/pytest-sequence-metadata/tests/goclient

go 1.19

// Resolved at build time: the test points this at GO_SEQUENCE_DIR with `go mod edit -replace`,
// in a copy of this directory, so the repository never holds the client.
require github.com/0xsequence/go-sequence v0.0.0
