/** Closes a Kafka client (force: abandon in-flight requests), never throwing: used on failure paths. */
export async function closeQuietly(
  client: { close(force?: boolean): Promise<void> } | undefined,
): Promise<void> {
  if (!client) return;
  try {
    await client.close(true);
  } catch {
    // Already closed, or the broker is gone: nothing left to release.
  }
}
