/** Where the Kafka clients connect (config `kafka`). */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

/** Base options of every @platformatic/kafka client Syncline creates; `role` tells them apart in broker logs. */
export function clientOptions(c: KafkaConnection, role: string) {
  return {
    clientId: `${c.clientId}-${role}`,
    bootstrapBrokers: [...c.brokers],
    // The clients' own retries are short; Syncline's loops retry with capped backoff on top of them.
    retries: 2,
    retryDelay: 250,
    connectTimeout: 5_000,
    requestTimeout: 30_000,
  };
}
