// Package credentials finds Huawei Cloud credentials where Huawei's own SDKs
// find them, in the same order, and keeps temporary ones fresh:
//
//  1. explicit values (Static);
//  2. the environment: HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and
//     HUAWEICLOUD_SDK_SECURITY_TOKEN; or HUAWEICLOUD_IAM_TOKEN; or federated
//     identity, HUAWEICLOUD_SDK_IDP_ID with HUAWEICLOUD_SDK_ID_TOKEN_FILE
//     (and HUAWEICLOUD_SDK_IAM_ENDPOINT);
//  3. the profile file: HUAWEICLOUD_SDK_CREDENTIALS_FILE, or
//     ~/.huaweicloud/credentials, section [basic];
//  4. the instance metadata service of an ECS or CCE node with an IAM agency.
//
// Resolve walks the chain without any network call; the metadata and
// federation providers fetch on first use and Refreshing renews their keys
// before they expire, once for all concurrent callers.
//
// Safety: the metadata service is only ever asked at
// http://169.254.169.254, with a 2-second timeout, no proxy, no redirects
// and nothing secret; IAM only at an https endpoint (http on loopback
// hosts, for tests). Errors never hold a secret: answers are redacted
// (the ID token, the federated token and the keys) before they are quoted.
//
// Caps: each IAM call 30 seconds; the profile file, the ID token file and
// an answer of the metadata service or IAM are read up to 64 KiB; an error
// quotes at most 200 bytes of an answer.
package credentials
