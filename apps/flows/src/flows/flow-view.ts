import type { FlowDefinition } from './flow-definition';

export interface FlowUrls {
  trigger: string;
  legacyTrigger: string;
  poll: string;
  webhook?: string;
}

/** The public addresses of a flow; anonymous callers name the instance in the query string. */
export function flowUrls(gatewayUrl: string, flow: FlowDefinition, webhookToken?: string): FlowUrls {
  const base = `${gatewayUrl.replace(/\/$/, '')}/api/1/action`;
  const app = encodeURIComponent(flow.app);
  const name = encodeURIComponent(flow.name);
  const instance = `instance=${encodeURIComponent(flow.instanceId)}`;
  return {
    trigger: `${base}/${app}/${name}/trigger${flow.allowAnonymous ? `?${instance}` : ''}`,
    legacyTrigger: `${base}/${name}/trigger${flow.allowAnonymous ? `?${instance}` : ''}`,
    // Anonymous callers poll as they trigger: naming the instance.
    poll: `${base}/${app}/${name}/poll/{processId}${flow.allowAnonymous ? `?${instance}` : ''}`,
    ...(webhookToken ? { webhook: `${base}/${app}/${name}/trigger?${instance}&token=${encodeURIComponent(webhookToken)}` } : {}),
  };
}

export function flowView(gatewayUrl: string, flow: FlowDefinition, webhookToken?: string) {
  const { flowId, instanceId: _instance, ...rest } = flow;
  return {
    id: flowId,
    ...rest,
    urls: flowUrls(gatewayUrl, flow, webhookToken),
    ...(webhookToken ? { webhookToken } : {}),
  };
}
