//go:build race

package main

// raceEnabled: the tests run with -race, so TestMain builds the CLI with -race.
const raceEnabled = true
