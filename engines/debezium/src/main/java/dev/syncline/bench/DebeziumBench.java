package dev.syncline.bench;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The benchmark peer: Debezium's embedded engine with a no-op consumer that counts the change records of
 * one table and stops once it has seen the expected number. Nothing is serialised (Connect format: the
 * SourceRecord as the connector produced it), so the figure is the connector's own read rate.
 *
 * Usage: java -cp ... dev.syncline.bench.DebeziumBench bench.expect=N bench.table=db.table
 *        [bench.timeoutMs=600000] [any Debezium/connector property=value ...]
 *
 * Prints one JSON line on stdout: {"ok":true,"records":N,"startupMs":..,"firstToLastMs":..,"totalMs":..,
 * "ops":{"r":..,"c":..,"u":..,"d":..}} or {"ok":false,"error":"..."}; exit code 0 / 1.
 */
public final class DebeziumBench {
  private DebeziumBench() {}

  public static void main(String[] args) throws Exception {
    final long t0 = System.nanoTime();
    Properties props = new Properties();
    props.setProperty("name", "syncline-bench");
    props.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
    props.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
    props.setProperty("offset.flush.interval.ms", "1000");
    props.setProperty("schema.history.internal", "io.debezium.storage.file.history.FileSchemaHistory");
    props.setProperty("topic.prefix", "bench");
    props.setProperty("tombstones.on.delete", "false");
    props.setProperty("include.schema.changes", "false");
    // The server is shared: read only the captured schema, and let DDL of other databases that the parser
    // does not know (MariaDB's INET4/UUID/VECTOR types) pass instead of stopping the connector.
    props.setProperty("schema.history.internal.store.only.captured.tables.ddl", "true");
    props.setProperty("schema.history.internal.store.only.captured.databases.ddl", "true");
    props.setProperty("schema.history.internal.skip.unparseable.ddl", "true");
    // Never take a global read lock on a shared server: the benchmark must not stall anyone else.
    props.setProperty("snapshot.locking.mode", "none");
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        fail("argument '" + a + "' is not key=value");
        return;
      }
      props.setProperty(a.substring(0, eq), a.substring(eq + 1));
    }
    final long expect = Long.parseLong(required(props, "bench.expect"));
    final String table = required(props, "bench.table");
    final long timeoutMs = Long.parseLong(props.getProperty("bench.timeoutMs", "600000"));
    final String topic = props.getProperty("topic.prefix") + "." + table;

    final AtomicLong count = new AtomicLong();
    final long[] ops = new long[4]; // r c u d
    final AtomicLong firstNs = new AtomicLong();
    final AtomicLong lastNs = new AtomicLong();
    final AtomicLong engineNs = new AtomicLong();
    final AtomicReference<String> failure = new AtomicReference<>();
    final CountDownLatch done = new CountDownLatch(1);

    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(props)
            .notifying(
                (List<RecordChangeEvent<SourceRecord>> records,
                    DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) -> {
                  for (RecordChangeEvent<SourceRecord> e : records) {
                    SourceRecord r = e.record();
                    if (topic.equals(r.topic()) && r.value() instanceof Struct v) {
                      long n = count.incrementAndGet();
                      long now = System.nanoTime();
                      if (n == 1) firstNs.set(now);
                      Object op = v.schema().field("op") != null ? v.get("op") : null;
                      if ("r".equals(op)) ops[0]++;
                      else if ("c".equals(op)) ops[1]++;
                      else if ("u".equals(op)) ops[2]++;
                      else if ("d".equals(op)) ops[3]++;
                      if (n == expect) {
                        lastNs.set(now);
                        done.countDown();
                      }
                    }
                    committer.markProcessed(e);
                  }
                  committer.markBatchFinished();
                })
            .using(
                (boolean success, String message, Throwable error) -> {
                  if (!success || error != null) {
                    failure.compareAndSet(
                        null, message + (error != null ? ": " + rootCause(error) : ""));
                  }
                  done.countDown();
                })
            .build();

    ExecutorService executor = Executors.newSingleThreadExecutor();
    engineNs.set(System.nanoTime());
    executor.execute(engine);
    boolean finished = done.await(timeoutMs, TimeUnit.MILLISECONDS);
    long end = System.nanoTime();
    // Closing commits the offsets of what was processed, so a second run resumes after them.
    try {
      engine.close();
    } catch (IllegalStateException alreadyStopped) {
      // the engine failed (or finished) on its own; the completion callback said why
    }
    executor.shutdown();
    executor.awaitTermination(60, TimeUnit.SECONDS);

    if (count.get() >= expect && lastNs.get() != 0) {
      System.out.printf(
          "{\"ok\":true,\"records\":%d,\"startupMs\":%.1f,\"firstToLastMs\":%.1f,\"engineToLastMs\":%.1f,"
              + "\"totalMs\":%.1f,\"ops\":{\"r\":%d,\"c\":%d,\"u\":%d,\"d\":%d}}%n",
          count.get(),
          ms(engineNs.get() - t0),
          ms(lastNs.get() - firstNs.get()),
          ms(lastNs.get() - engineNs.get()),
          ms(end - t0),
          ops[0], ops[1], ops[2], ops[3]);
      System.out.flush();
      System.exit(0);
    }
    String why =
        failure.get() != null
            ? failure.get()
            : finished ? "engine stopped early" : "timed out after " + timeoutMs + " ms";
    fail(why + " (records " + count.get() + " of " + expect + ")");
  }

  private static String required(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing argument " + key + "=...");
    return v;
  }

  private static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  private static String rootCause(Throwable t) {
    Throwable c = t;
    StringBuilder sb = new StringBuilder(String.valueOf(t));
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
      sb.append(" <- ").append(c);
    }
    return sb.toString();
  }

  private static void fail(String message) {
    String esc = message.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    System.out.println("{\"ok\":false,\"error\":\"" + esc + "\"}");
    System.out.flush();
    System.exit(1);
  }
}
