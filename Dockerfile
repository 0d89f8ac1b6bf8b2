# greenops service image: compiled TypeScript on Node 20, production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY core core
COPY store store
COPY access access
COPY broker broker
COPY ingest ingest
COPY models models
COPY edge edge
COPY api api
COPY cli cli
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 GREENOPS_DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
  # The native TensorFlow backend: several times faster than wasm for training; loaded when present.
  && npm install --no-save --omit=dev @tensorflow/tfjs-node@4 \
  && npm cache clean --force
COPY --from=build /app/dist dist
# /app/mosquitto-config: where `greenops mosquitto-config` writes in docker-compose (a volume that takes this owner).
RUN mkdir -p /app/data /app/mosquitto-config && chown node:node /app/data /app/mosquitto-config
USER node
EXPOSE 8080
VOLUME /app/data
HEALTHCHECK --interval=15s --timeout=5s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["start"]
