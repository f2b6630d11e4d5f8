# drs-precheck for CI pipelines: a static binary (no cgo), run as an unprivileged
# user, in one of two images.
#
# The default image: an empty base holding only CA certificates and the binary,
# whose entry point is drs-precheck.
#
#   docker build --build-arg VERSION=v0.1.0 -t drs-precheck:v0.1.0 .
#   docker run --rm -e HUAWEICLOUD_SDK_AK -e HUAWEICLOUD_SDK_SK \
#     -e HUAWEICLOUD_SDK_PROJECT_ID -e HUAWEICLOUD_SDK_REGION \
#     drs-precheck:v0.1.0 run --job ID --wait --output junit > drs-precheck.xml
#
# The shell image (--target shell): the same binary on busybox, with a shell and
# no entry point, as a GitLab CI job image needs (GitLab runs the job's script
# with a shell; docs/ci/gitlab-ci.yml):
#
#   docker build --target shell --build-arg VERSION=v0.1.0 -t drs-precheck:v0.1.0-shell .
#
# Either builds from a checkout or straight from the repository at a tag:
#   docker build --target shell --build-arg VERSION=v0.1.0 -t drs-precheck:v0.1.0-shell \
#     https://github.com/drsclient/drs-precheck.git#v0.1.0
FROM golang:1.26 AS build
# VERSION: the release the image is built from (vX.Y.Z); `drs-precheck version`
# says it, as the release archives' binaries do (cmd/drs-precheck/version.go).
ARG VERSION=
WORKDIR /src
COPY . .
# .git is not copied (.dockerignore): without VERSION, `drs-precheck version`
# says it was built from a checkout instead of naming a commit.
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w -X main.version=${VERSION}" -o /out/drs-precheck ./cmd/drs-precheck

FROM busybox:1.37 AS shell
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/drs-precheck /usr/local/bin/drs-precheck
# 65532: the conventional "nonroot" user of minimal images.
USER 65532:65532
CMD ["sh"]

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/drs-precheck /usr/local/bin/drs-precheck
# No shell, no home.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/drs-precheck"]
CMD ["--help"]
