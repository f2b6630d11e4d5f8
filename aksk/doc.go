// Package aksk signs and verifies HTTP requests with Huawei Cloud's AK/SK
// request signature, "SDK-HMAC-SHA256", as used by the API gateway in front
// of Huawei Cloud services (DRS included). It uses the standard library only.
//
// An access key (AK) names a key pair; the secret key (SK) never leaves the
// client, which proves it holds the SK by sending an HMAC of the request
// keyed with it. The HMAC covers the method, path, query, chosen headers,
// body and time, so a signed request cannot be altered in transit, nor
// replayed after the clock-skew window (15 minutes), unnoticed.
//
// # The algorithm
//
// 1. The client sets X-Sdk-Date to the current UTC time (DateFormat), and
// X-Security-Token when using temporary credentials.
//
// 2. Both sides build the same canonical request:
//
//	Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
//
// CanonicalURI is the escaped (wire) path with each '/'-separated segment
// percent-decoded and re-encoded: RFC 3986 unreserved characters
// (A-Z a-z 0-9 - _ . ~) are kept, every other byte becomes %XX in upper-case
// hex. It always ends in '/' ("/v3/p/jobs/batch-precheck/"; "/" for an
// empty path). CanonicalQuery is the query's key=value pairs, decoded ('+'
// is a space), sorted by key then value, each encoded as above, joined with
// '&'; a key without '=' gets an empty value. CanonicalHeaders has one
// "name:value\n" line per signed header, sorted by lower-case name, values
// trimmed (several values joined with ','); "host" is the Host the request
// is sent to (net/http keeps it in Request.Host or URL.Host). SignedHeaders
// is the lower-case names joined with ';', and must include x-sdk-date. The
// body hash is over the exact bytes sent (json.Encoder's trailing newline
// counts).
//
// 3. StringToSign = "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" +
// hex(sha256(canonical request)).
//
// 4. Signature = hex(HMAC-SHA256(SK, StringToSign)), sent as
//
//	Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;...>, Signature=<signature>
//
// The verifier parses the header (ParseAuthorization), checks X-Sdk-Date
// against its clock, looks up the SK for the AK, repeats steps 2 to 4 and
// compares signatures in constant time.
//
// By default Signer signs host, x-sdk-date and every header already on the
// request except Authorization, Content-Type and Content-Length (which HTTP
// stacks rewrite; Huawei's SDKs leave Content-Type out too), hop-by-hop
// headers (which proxies may change) and names containing '_' (which many
// proxies drop). Signer.SignedHeaders chooses the list explicitly.
//
// # Limits
//
//   - What is not signed can change: headers outside SignedHeaders, and a
//     trailing '/' on the path.
//   - Host is signed as sent; Huawei asks for the default port (:443, :80)
//     to be left out of the URL.
//   - A captured request can be replayed within the skew window; Verifier
//     keeps no nonce cache, and does not validate X-Security-Token.
//
// # Debugging a signature mismatch
//
// Compare CanonicalRequest on the client with the server's: Verify's
// ErrSignatureMismatch message holds the SHA-256 of the server's canonical
// request and of the body it received. No error message ever holds the SK,
// a security token, a signature or the Authorization header, and
// Credentials and Signer redact the secrets when printed or logged.
package aksk
