# drs-precheck for CI pipelines: a static binary (no cgo) on an empty base
# image holding only CA certificates, run as an unprivileged user.
#
#   docker build -t drs-precheck .
#   docker run --rm -e HUAWEICLOUD_SDK_AK -e HUAWEICLOUD_SDK_SK \
#     -e HUAWEICLOUD_SDK_PROJECT_ID -e HUAWEICLOUD_SDK_REGION \
#     drs-precheck run --job ID --wait --output junit > drs-precheck.xml
FROM golang:1.26 AS build
WORKDIR /src
COPY . .
# .git is not copied (.dockerignore): `drs-precheck version` says so
# instead of naming a commit.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/drs-precheck ./cmd/drs-precheck

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/drs-precheck /usr/local/bin/drs-precheck
# 65532: the conventional "nonroot" user of minimal images; no shell, no home.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/drs-precheck"]
CMD ["--help"]
