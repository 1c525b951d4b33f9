# Linli (邻里) — multi-stage build of a static binary, run as a non-root user.
# scripts/build.sh performs the same build steps without Docker (CI runs it).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags="-s -w" -o /out/linli . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/linli /linli
COPY --from=build --chown=65532:65532 /out/data /data
ENV LINLI_DATA_DIR=/data \
    LINLI_HTTP_ADDR=:8080
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["/linli", "healthcheck"]
ENTRYPOINT ["/linli"]
CMD ["serve"]
