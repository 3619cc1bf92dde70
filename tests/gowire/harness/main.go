// Command gowireharness decodes request bodies with Go's encoding/json into request structs generated
// from the spec's Go types (types_gen.go, written at test time by tests/gowire/gen_structs.py).
//
// Input: JSON lines {"method": "CreateAsset", "body": "<base64>"}. Output, one line per input line:
// {"ok": true, "value": <json.Marshal of the decoded request>}, {"ok": false, "error": "..."} when
// json.Unmarshal fails, or {"ok": false, "panic": "..."} when a decoder panics.
// With the argument -unicode it prints the version of its Unicode tables instead.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"unicode"
)

type request struct {
	Method string `json:"method"`
	Body   []byte `json:"body"` // base64 on the wire
}

type verdict struct {
	Ok           bool            `json:"ok"`
	Value        json.RawMessage `json:"value,omitempty"`
	Error        *string         `json:"error,omitempty"`
	Panic        *string         `json:"panic,omitempty"`
	MarshalError *string         `json:"marshalError,omitempty"`
}

func text(s string) *string { return &s }

func decode(newRequest func() any, body []byte) (v verdict) {
	defer func() {
		if p := recover(); p != nil {
			v = verdict{Panic: text(fmt.Sprint(p))}
		}
	}()
	target := newRequest()
	if err := json.Unmarshal(body, target); err != nil {
		return verdict{Error: text(err.Error())}
	}
	out, err := json.Marshal(target)
	if err != nil {
		return verdict{MarshalError: text(err.Error())}
	}
	return verdict{Ok: true, Value: out}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-unicode" {
		fmt.Println(unicode.Version)
		return
	}
	in := json.NewDecoder(bufio.NewReaderSize(os.Stdin, 1<<20))
	writer := bufio.NewWriterSize(os.Stdout, 1<<20)
	out := json.NewEncoder(writer)
	for {
		var req request
		if err := in.Decode(&req); err == io.EOF {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "gowireharness: bad input line:", err)
			os.Exit(2)
		}
		newRequest, found := requests[req.Method]
		if !found {
			fmt.Fprintln(os.Stderr, "gowireharness: no request struct for method", req.Method)
			os.Exit(2)
		}
		if err := out.Encode(decode(newRequest, req.Body)); err != nil {
			fmt.Fprintln(os.Stderr, "gowireharness:", err)
			os.Exit(2)
		}
	}
	if err := writer.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gowireharness:", err)
		os.Exit(2)
	}
}
