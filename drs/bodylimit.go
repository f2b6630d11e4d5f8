package drs

import (
	"io"
	"math"
)

// maxPresize bounds the buffer readBody allocates before reading, whatever
// the Content-Length says.
const maxPresize = 64 << 10

// readBody reads a response body in full, but at most max bytes: a body
// that announces (Content-Length) or turns out to have more fails with
// ErrResponseTooLarge instead of being returned truncated, so an oversized
// answer is an error and never a partial parse. The buffer is sized by the
// Content-Length when the server sent one, so a small answer takes one
// allocation.
func readBody(r io.Reader, contentLength, max int64) ([]byte, error) {
	if contentLength > max {
		return nil, ErrResponseTooLarge
	}
	// Read one byte more than allowed, to tell "exactly max" from "more".
	limit := max
	if limit < math.MaxInt64 {
		limit++
	}
	size := int64(512)
	if contentLength >= 0 {
		// One byte more, so that reaching EOF needs no bigger buffer; but
		// trust the announced length only so far before seeing the bytes.
		size = min(contentLength+1, maxPresize)
	}
	b := make([]byte, 0, min(size, limit))
	for {
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return b[:max], ErrResponseTooLarge
		}
		if err != nil {
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
