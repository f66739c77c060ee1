# Multi-stage build: compile in the Rust image, run on slim Debian as a non-root user.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY tables ./tables
COPY examples ./examples
RUN cargo build --release --locked --bin trackgate

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/trackgate --create-home trackgate
COPY --from=build /src/target/release/trackgate /usr/local/bin/trackgate
COPY templates /etc/trackgate/templates
WORKDIR /var/lib/trackgate
USER trackgate
ENV TRACKGATE_LISTEN=0.0.0.0:8080 \
    TRACKGATE_DATA_DIR=/var/lib/trackgate/data \
    TRACKGATE_TEMPLATES_DIR=/etc/trackgate/templates
EXPOSE 8080
VOLUME ["/var/lib/trackgate"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["trackgate"]
CMD ["serve"]
