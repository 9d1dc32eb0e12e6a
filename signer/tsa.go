package signer

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"fmt"
	"net/http"

	"github.com/digitorus/timestamp"
)

// fetchTimestamp asks the TSA at url for an RFC 3161 token over the
// signature value and checks that the token is for it.
func fetchTimestamp(ctx context.Context, hc *http.Client, url string, signature []byte) ([]byte, error) {
	req, err := timestamp.CreateRequest(bytes.NewReader(signature), &timestamp.RequestOptions{Hash: crypto.SHA256, Certificates: true})
	if err != nil {
		return nil, err
	}
	raw, err := post(ctx, hc, url, "application/timestamp-query", req)
	if err != nil {
		return nil, fmt.Errorf("%w: timestamp authority: %v", ErrUnavailable, err)
	}
	ts, err := timestamp.ParseResponse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: timestamp authority answer: %v", ErrUnavailable, err)
	}
	sum := sha256.Sum256(signature)
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, sum[:]) {
		return nil, fmt.Errorf("the timestamp authority stamped another message")
	}
	return ts.RawToken, nil
}
