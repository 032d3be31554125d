package dev.syncline.capture;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Records what Debezium really emits, for the ingest fixtures (test/fixtures/ingest/debezium/record.sh):
 * the embedded engine with the Kafka Connect JSON converter (the same bytes a Kafka topic would hold),
 * every record written as one NDJSON line {"topic": ..., "key": <key JSON|null>, "value": <value JSON|null>}
 * in emission order — change events, tombstones, schema changes, transaction BEGIN/END, heartbeats.
 *
 * Usage: java -cp ... dev.syncline.capture.DebeziumCapture capture.out=FILE capture.stopTopic=TOPIC
 *        [capture.timeoutMs=120000] [any Debezium/connector/converter property=value ...]
 *
 * Prints "READY" on stdout once the initial snapshot's last record arrived (the workload may start), and
 * stops after the first record of capture.stopTopic (a marker row the script inserts last; not written).
 */
public final class DebeziumCapture {
  private DebeziumCapture() {}

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("name", "syncline-capture");
    props.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
    props.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
    props.setProperty("offset.flush.interval.ms", "1000");
    props.setProperty("schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
    props.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
    props.setProperty("schema.history.internal.store.only.captured.databases.ddl", "true");
    props.setProperty("schema.history.internal.skip.unparseable.ddl", "true");
    props.setProperty("snapshot.locking.mode", "none");
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("argument '" + a + "' is not key=value");
      props.setProperty(a.substring(0, eq), a.substring(eq + 1));
    }
    Path out = Path.of(required(props, "capture.out"));
    String stopTopic = required(props, "capture.stopTopic");
    long timeoutMs = Long.parseLong(props.getProperty("capture.timeoutMs", "120000"));

    AtomicLong written = new AtomicLong();
    AtomicReference<String> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8);

    DebeziumEngine<ChangeEvent<String, String>> engine =
        DebeziumEngine.create(Json.class)
            .using(props)
            .notifying(
                (records, committer) -> {
                  for (ChangeEvent<String, String> e : records) {
                    String topic = e.destination();
                    if (stopTopic.equals(topic)) {
                      done.countDown();
                    } else if (done.getCount() > 0) {
                      try {
                        w.write("{\"topic\":" + quote(topic) + ",\"key\":" + orNull(e.key()) + ",\"value\":"
                            + orNull(e.value()) + "}\n");
                      } catch (IOException io) {
                        failure.compareAndSet(null, io.toString());
                        done.countDown();
                      }
                      written.incrementAndGet();
                      String v = e.value();
                      if (v != null && v.contains("\"snapshot\":\"last\"")) {
                        System.out.println("READY");
                        System.out.flush();
                      }
                    }
                    committer.markProcessed(e);
                  }
                  committer.markBatchFinished();
                })
            .using(
                (boolean success, String message, Throwable error) -> {
                  if (!success || error != null)
                    failure.compareAndSet(null, message + (error != null ? ": " + error : ""));
                  done.countDown();
                })
            .build();

    ExecutorService executor = Executors.newSingleThreadExecutor();
    executor.execute(engine);
    boolean finished = done.await(timeoutMs, TimeUnit.MILLISECONDS);
    try {
      engine.close();
    } catch (IllegalStateException alreadyStopped) {
      // stopped on its own; the completion callback said why
    }
    executor.shutdown();
    executor.awaitTermination(30, TimeUnit.SECONDS);
    w.close();
    if (!finished || failure.get() != null) {
      System.out.println("FAILED " + (failure.get() != null ? failure.get() : "timed out") + " after "
          + written.get() + " records");
      System.exit(1);
    }
    System.out.println("DONE " + written.get());
    System.exit(0);
  }

  private static String orNull(String json) {
    return json == null ? "null" : json.trim();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\');
      b.append(c);
    }
    return b.append('"').toString();
  }

  private static String required(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing argument " + key + "=...");
    return v;
  }
}
