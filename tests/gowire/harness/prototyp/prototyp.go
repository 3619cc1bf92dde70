// Package prototyp holds our own stand-ins for go-sequence's prototyp.BigInt and prototyp.Hash,
// written from how they behave on the wire, so the harness needs no module download.
package prototyp

import (
	"math/big"
	"strings"
)

// Hash is a string whose UnmarshalText lower-cases the text.
type Hash string

func (h *Hash) UnmarshalText(text []byte) error {
	*h = Hash(strings.ToLower(string(text)))
	return nil
}

// BigInt is a big.Int written as a quoted decimal.
type BigInt big.Int

func (b BigInt) MarshalJSON() ([]byte, error) {
	n := big.Int(b)
	return []byte(`"` + n.String() + `"`), nil
}

// UnmarshalJSON strips the first and last byte of the raw JSON text, whatever they are, and parses
// the rest in base 10. Text of two bytes or less leaves the value alone; text it cannot parse
// dereferences the nil result of SetString and panics, as the real type does.
func (b *BigInt) UnmarshalJSON(text []byte) error {
	if string(text) == "null" {
		return nil
	}
	if len(text) <= 2 {
		return nil
	}
	n, _ := new(big.Int).SetString(string(text[1:len(text)-1]), 10)
	*b = BigInt(*n)
	return nil
}
