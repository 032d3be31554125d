package dev.syncline.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Runs one Flink SQL script (CREATE TABLE source / sink; INSERT INTO sink SELECT …) in a local mini-cluster
 * inside this JVM, the way a small Flink CDC deployment runs, and keeps running until it is killed: the
 * benchmark harness watches the index and stops the JVM when the data is there.
 *
 * <pre>java -cp … dev.syncline.bench.FlinkCdcBench sql=&lt;file&gt; [parallelism=1] [checkpointMs=3000]
 *     [checkpointDir=&lt;dir&gt;] [restore=&lt;dir of a retained checkpoint&gt;]</pre>
 *
 * Prints one JSON line {"submitted": epochMs} once the INSERT job is submitted, and {"error": "..."} on failure.
 */
public final class FlinkCdcBench {
  private FlinkCdcBench() {}

  public static void main(String[] args) throws Exception {
    String sql = null;
    int parallelism = 1;
    long checkpointMs = 3000;
    String checkpointDir = null;
    String restore = null;
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) fail("argument '" + a + "' is not key=value");
      String k = a.substring(0, eq);
      String v = a.substring(eq + 1);
      switch (k) {
        case "sql" -> sql = v;
        case "parallelism" -> parallelism = Integer.parseInt(v);
        case "checkpointMs" -> checkpointMs = Long.parseLong(v);
        case "checkpointDir" -> checkpointDir = v;
        case "restore" -> restore = v;
        default -> fail("unknown argument '" + k + "'");
      }
    }
    if (sql == null) fail("sql=<file> is required");
    try {
      Configuration conf = new Configuration();
      conf.setString("parallelism.default", String.valueOf(parallelism));
      // a job that keeps failing ends with its error instead of restarting forever (the harness reports it)
      conf.setString("restart-strategy.type", "fixed-delay");
      conf.setString("restart-strategy.fixed-delay.attempts", "3");
      conf.setString("restart-strategy.fixed-delay.delay", "2 s");
      if (checkpointDir != null) {
        // retained on disk, so a later JVM restores the job from it (the way a deployment resumes)
        conf.setString("state.checkpoints.dir", Path.of(checkpointDir).toUri().toString());
        conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
      }
      if (restore != null) conf.setString("execution.savepoint.path", Path.of(restore).toUri().toString());
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      env.setParallelism(parallelism);
      // The incremental snapshot hands over to the binlog phase at a completed checkpoint, as in production.
      env.enableCheckpointing(checkpointMs);
      StreamTableEnvironment tables = StreamTableEnvironment.create(env);
      List<String> statements = new ArrayList<>();
      for (String s : Files.readString(Path.of(sql)).split(";\\s*\\n")) if (!s.isBlank()) statements.add(s.trim());
      TableResult last = null;
      for (String s : statements) last = tables.executeSql(s);
      System.out.println("{\"submitted\":" + System.currentTimeMillis() + "}");
      System.out.flush();
      if (last != null) last.await();
    } catch (Throwable e) {
      StringBuilder why = new StringBuilder(String.valueOf(e));
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) why.append(" / caused by: ").append(c);
      fail(why.toString());
    }
  }

  private static void fail(String message) {
    System.out.println("{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "'").replace("\n", " ") + "\"}");
    System.out.flush();
    System.exit(2);
  }
}
