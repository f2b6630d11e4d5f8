// Package bench holds the benchmarks and interoperability tests that compare
// this project's DRS client with Huawei's official Go SDK. It is a module of
// its own (bench/go.mod), so that users of the library never download the
// SDK. See README.md, and docs/BENCHMARKS.md for the results.
package bench
