# The Nigah dashboard (and command line) in a container, wired to Neo4j by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
# LightGBM (the risk booster) needs the OpenMP runtime, which the slim image lacks.
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY nigah ./nigah
COPY graph ./graph
COPY ingest ./ingest
COPY analytics ./analytics
COPY dashboard ./dashboard
RUN pip install --no-cache-dir .
ENV NIGAH_HOME=/data
EXPOSE 8050
CMD ["nigah", "serve", "--host", "0.0.0.0", "--port", "8050"]
