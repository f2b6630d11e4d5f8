// Package aksk signs and verifies HTTP requests with Huawei Cloud's AK/SK
// request signature, "SDK-HMAC-SHA256", as used by the API gateway in front
// of Huawei Cloud services (DRS included). It uses the standard library only.
//
// # Why sign
//
// An access key (AK) names a key pair; the secret key (SK) never leaves the
// client. The client proves it holds the SK by sending an HMAC of the
// request keyed with the SK. Because the HMAC covers the method, path,
// query, chosen headers, body and time, a signed request cannot be altered
// in transit, nor replayed after the clock-skew window (15 minutes) has
// passed, without the gateway noticing.
//
// # The algorithm
//
// 1. The client sets X-Sdk-Date to the current UTC time, formatted
// YYYYMMDDTHHMMSSZ (DateFormat). It may also set X-Project-Id, and must set
// X-Security-Token when using temporary credentials; both are then signed.
//
// 2. Both sides build the same canonical request, a normalised text form of
// the request that survives harmless re-encoding by HTTP libraries and
// proxies:
//
//	Method + "\n" +
//	CanonicalURI + "\n" +
//	CanonicalQuery + "\n" +
//	CanonicalHeaders + "\n" +
//	SignedHeaders + "\n" +
//	hex(sha256(body))
//
// CanonicalURI is the path with each '/'-separated segment of the escaped
// (wire) path percent-decoded and re-encoded: RFC 3986 unreserved
// characters (A-Z a-z 0-9 - _ . ~) are kept, every other byte becomes %XX
// in upper-case hex. Splitting before decoding keeps an encoded slash (%2F)
// inside its segment. The canonical URI always ends in '/', although the
// path sent need not: "/v3/p/jobs/batch-precheck" is canonicalised as
// "/v3/p/jobs/batch-precheck/", and an empty path as "/".
//
// CanonicalQuery is the query's key=value pairs, decoded (a '+' is a
// space), sorted by key and then value, each key and value encoded as above
// (a space becomes %20), and joined with '&'; a key without '=' gets an
// empty value. It is empty when there is no query.
//
// CanonicalHeaders has one "name:value\n" line per signed header, sorted by
// lower-case name, with the value trimmed of surrounding white space
// (several values of one header are trimmed and joined with ','). Since
// each line ends in '\n' and the parts are also joined with '\n', a blank
// line precedes SignedHeaders. The value of "host" is the Host the request
// is sent to: net/http keeps it in Request.Host (or URL.Host), not in
// Request.Header. SignedHeaders is the lower-case names joined with ';'; it
// tells the verifier which headers were signed, so that headers added on
// the way (by proxies, load balancers) do not break the signature. It must
// include x-sdk-date, or the signature would not bind the time.
//
// The body hash is over the exact bytes sent: a body written by
// json.Encoder ends in '\n', and that newline is part of the hash.
//
// 3. StringToSign = "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" +
// hex(sha256(canonical request)).
//
// 4. Signature = hex(HMAC-SHA256(SK, StringToSign)).
//
// 5. The client sends
//
//	Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;...>, Signature=<signature>
//
// The verifier parses the header, checks X-Sdk-Date against its own clock,
// looks up the SK for the AK, repeats steps 2 to 4 on the request it
// received and compares signatures in constant time.
//
// # Which headers are signed
//
// By default Signer signs host, x-sdk-date and every header already on the
// request except Authorization, Content-Type and Content-Length (which
// HTTP stacks rewrite; Huawei's SDKs leave Content-Type out too), hop-by-hop
// headers (which proxies may change) and names containing '_' (which many
// proxies drop). Huawei's SDK, for example, signs
// "host;user-agent;x-language;x-project-id;x-sdk-date". Set
// Signer.SignedHeaders to choose the list explicitly.
//
// # Limits to be aware of
//
//   - What is not signed can change: headers outside SignedHeaders, and a
//     trailing '/' on the path (the canonical URI always has one).
//   - Host is signed as sent. Huawei's guide asks for the default port
//     (:443, :80) to be left out of the URL.
//   - A captured request can be replayed within the skew window; Verifier
//     does not keep a nonce cache.
//   - Verifier does not validate X-Security-Token; that is the business of
//     whoever issued the temporary credentials.
//
// # Debugging a signature mismatch
//
// CanonicalRequest and StringToSign are exported: compute the canonical
// request on the client and compare it with the server's. Verify's
// ErrSignatureMismatch message includes the SHA-256 of the server's
// canonical request and of the body it received for that purpose. No error
// message ever includes the SK, a security token, a signature or the
// Authorization header, and Credentials and Signer redact the secrets when
// formatted with fmt or logged with log/slog.
package aksk
