# Multi-stage build: compile in the Rust image, run on slim Debian as a non-root user.
FROM rust:1-bookworm AS build
WORKDIR /src
# Dependencies first, in their own layer: a change to our sources does not
# recompile them. The stub sources are replaced right after.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src examples/common \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && for e in load push_load notify_load poll_scan; do echo 'fn main() {}' > examples/$e.rs; done \
 && cargo build --release --locked --bin trackgate \
 && rm -rf src examples
COPY src ./src
COPY tables ./tables
COPY examples ./examples
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin trackgate

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/trackgate --create-home trackgate
COPY --from=build /src/target/release/trackgate /usr/local/bin/trackgate
COPY templates /etc/trackgate/templates
WORKDIR /var/lib/trackgate
USER trackgate
# Set TRACKGATE_PUBLIC_URL to the address customers reach: it is the base of the
# links in their emails.
ENV TRACKGATE_LISTEN=0.0.0.0:8080 \
    TRACKGATE_DATA_DIR=/var/lib/trackgate/data \
    TRACKGATE_TEMPLATES_DIR=/etc/trackgate/templates
EXPOSE 8080
VOLUME ["/var/lib/trackgate"]
STOPSIGNAL SIGTERM
# The slim image has no curl: the binary checks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["trackgate", "healthcheck"]
ENTRYPOINT ["trackgate"]
CMD ["serve"]
