/** How a runnable reaches the MQTT broker. TLS material is read by the composition root, not here (no I/O). */
export interface MqttSettings {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  tls?: { ca?: Buffer | undefined; cert?: Buffer | undefined; key?: Buffer | undefined } | undefined;
}

/** Options for mqtt.js `connect`, shared by ingest and edge so both speak to the broker the same way. */
export function mqttClientOptions(
  settings: MqttSettings,
  clientId: string,
  { clean = true }: { clean?: boolean } = {},
) {
  return {
    clientId,
    // clean: false keeps the session (subscriptions and queued QoS 1 messages) while the client is away.
    clean,
    // MQTT 3.1.1: spoken by every broker we target (aedes has no MQTT 5); persistent sessions and $share work.
    protocolVersion: 4 as const,
    username: settings.username,
    password: settings.password,
    ca: settings.tls?.ca,
    cert: settings.tls?.cert,
    key: settings.tls?.key,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  };
}
