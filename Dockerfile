# syntax=docker/dockerfile:1
# Build: docker build -t fsm-dispatch .    Run: docker run --rm -v $PWD/config.yaml:/app/config.yaml fsm-dispatch sync

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
# The planner's compiled code (numba) is cached outside the read-only package tree, and built
# here so a new container does not spend its first plan compiling it.
ENV PATH=/opt/venv/bin:$PATH \
    NUMBA_CACHE_DIR=/opt/numba-cache
COPY pyproject.toml README.md ./
COPY connectors connectors
COPY optimizer optimizer
COPY orchestrator orchestrator
COPY notifications notifications
COPY mappings mappings
COPY migrations migrations
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir .
RUN python -c "import optimizer; optimizer.compile_kernels()"

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 dispatch
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=dispatch:dispatch /opt/numba-cache /opt/numba-cache
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/opt/numba-cache \
    FSM_DISPATCH_CONFIG=/app/config.yaml
WORKDIR /app
RUN chown dispatch:dispatch /app
USER dispatch
ENTRYPOINT ["fsm-dispatch"]
CMD ["--help"]
