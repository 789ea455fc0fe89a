# One image for every Tollgate service; the service is chosen by the command
# (e.g. `node dist/apps/keys/src/main.js`). Database migrations run with `npm run db -- migrate`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Fixes to dependencies, applied by npm ci (postinstall).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json nx.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps ./apps
COPY --from=build /app/libs ./libs
COPY --from=build /app/tools ./tools
COPY --from=build /app/tsconfig.base.json /app/tsconfig.json ./
USER node
EXPOSE 8080 8081 8082 8083 8084
CMD ["node", "dist/apps/gateway/src/main.js"]
