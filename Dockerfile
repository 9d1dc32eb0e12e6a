# motcua's worker and API image. Build: docker build -t motcua .
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# cgo: PKCS#11 tokens are reached through their C modules.
RUN CGO_ENABLED=1 go build -trimpath -o /out/ ./cmd/motcua ./cmd/motcua-engine

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /data motcua \
    && mkdir -p /data /certs && chown motcua /data /certs
COPY --from=build /out/motcua /out/motcua-engine /usr/local/bin/
USER motcua
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["motcua"]
CMD ["help"]
