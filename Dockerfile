# sluice in a container: build on debian:12 with the same script CI uses, run on debian:12-slim
# with only the shared libraries the binary links.
#   docker build -t sluice .
#   docker run --rm -p 8080:8080 -v $PWD/my.yaml:/etc/sluice/sluice.yaml:ro sluice
# The config must listen on 0.0.0.0 (not 127.0.0.1) to be reachable from outside the container.

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
# Only what the build reads, so host build trees (build*/) never leak into the image.
COPY CMakeLists.txt ./
COPY src src
RUN cmake -S . -B /tmp/build -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=OFF \
 && cmake --build /tmp/build -j"$(nproc)" --target sluice \
 && install -D -m 0755 /tmp/build/src/app/sluice /out/usr/local/bin/sluice

FROM debian:12-slim
# Runtime libraries of the -dev packages above; the ldd check fails the build if one is missing.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libstdc++6 libssl3 libnghttp2-14 libyaml-cpp0.7 libprometheus-cpp-core1.0 \
      libspdlog1.10 libfmt9 libmimalloc2.0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin sluice
COPY --from=build /out/ /
COPY config/sluice.yaml /etc/sluice/sluice.yaml
RUN ! ldd /usr/local/bin/sluice | grep 'not found' && sluice check -c /etc/sluice/sluice.yaml
USER sluice
EXPOSE 8080 9901
# SIGTERM drains in-flight requests (docker stop); SIGHUP reloads /etc/sluice/sluice.yaml.
STOPSIGNAL SIGTERM
ENTRYPOINT ["sluice", "run", "-c", "/etc/sluice/sluice.yaml"]
