// Package generated holds the models, client and server stubs that oapi-codegen
// produces from openapi.yaml. DO NOT EDIT the *.gen.go files: change openapi.yaml
// and run `go generate ./...` (or `make generate`).
//
// Most users want package drs, the hand-written client built on top of this one.
package generated

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen.yaml ../openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config ../oapi-codegen.server.yaml ../openapi.yaml
