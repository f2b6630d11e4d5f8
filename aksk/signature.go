package aksk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Algorithm is the signing algorithm name; it starts the string to sign and
// the Authorization header.
const Algorithm = "SDK-HMAC-SHA256"

// DateFormat is the time layout of the X-Sdk-Date header (always UTC).
const DateFormat = "20060102T150405Z"

// StringToSign returns the string whose HMAC-SHA256 is the signature:
//
//	SDK-HMAC-SHA256 \n sdkDate \n hex(sha256(canonicalRequest))
//
// sdkDate is the X-Sdk-Date header value, verbatim.
func StringToSign(sdkDate, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return string(appendStringToSign(nil, sdkDate, &sum))
}

// appendStringToSign appends the string to sign for a canonical request
// whose SHA-256 is sum.
func appendStringToSign(dst []byte, sdkDate string, sum *[sha256.Size]byte) []byte {
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, sdkDate...)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, sum[:])
}

// signatureSize is the length of a hex-encoded signature.
const signatureSize = 2 * sha256.Size

// computeSignature returns hex(HMAC-SHA256(secretKey, stringToSign)) for the
// given canonical request, in lower-case hex as it appears on the wire.
func computeSignature(secretKey, sdkDate string, canonical []byte) [signatureSize]byte {
	sum := sha256.Sum256(canonical)
	var buf [128]byte // fits the string to sign for any well-formed date
	sts := appendStringToSign(buf[:0], sdkDate, &sum)
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write(sts)
	var raw [sha256.Size]byte
	var sig [signatureSize]byte
	hex.Encode(sig[:], mac.Sum(raw[:0]))
	return sig
}

// hexSHA256 returns the lower-case hex SHA-256 of b.
func hexSHA256(b []byte) [signatureSize]byte {
	sum := sha256.Sum256(b)
	var h [signatureSize]byte
	hex.Encode(h[:], sum[:])
	return h
}
