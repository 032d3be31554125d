package dev.syncline.capture;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONWriter;
import com.alibaba.otter.canal.connector.core.producer.MQMessageUtils;
import com.alibaba.otter.canal.connector.core.producer.MQMessageUtils.EntryRowData;
import com.alibaba.otter.canal.instance.manager.CanalInstanceWithManager;
import com.alibaba.otter.canal.instance.manager.model.Canal;
import com.alibaba.otter.canal.instance.manager.model.CanalParameter;
import com.alibaba.otter.canal.protocol.CanalEntry;
import com.alibaba.otter.canal.protocol.ClientIdentity;
import com.alibaba.otter.canal.protocol.FlatMessage;
import com.alibaba.otter.canal.protocol.Message;
import com.alibaba.otter.canal.server.embedded.CanalServerWithEmbedded;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Records Canal 1.1.7's flat messages (what canal.mq.flatMessage=true sends to Kafka) for the ingest corpora:
 * Canal's embedded server reads the binlog of one database from a given position; each batch (Canal's MQ
 * batch, 50 entries by default) is converted by Canal's own MQMessageUtils.messageConverter, serialised as
 * Canal's Kafka producer does (fastjson2, nulls written), one message per line. Each message gets the binlog
 * position of its entry (`logfileName`, `logfileOffset`, from the entry header) — the position option
 * Syncline requires (docs/ingest.md). Stops after the first row of the table named by capture.stopTable.
 *
 *   java -Duser.timezone=UTC dev.syncline.capture.CanalCapture key=value ...
 *     capture.out, capture.database, capture.stopTable, capture.batchSize (50), capture.position (true),
 *     host, port, user, password, slaveId, journalName, position
 */
public final class CanalCapture {
  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + a);
      o.put(a.substring(0, eq), a.substring(eq + 1));
    }
    String database = req(o, "capture.database");
    String stopTable = req(o, "capture.stopTable");
    int batchSize = Integer.parseInt(o.getOrDefault("capture.batchSize", "50"));
    boolean withPosition = Boolean.parseBoolean(o.getOrDefault("capture.position", "true"));

    CanalParameter p = new CanalParameter();
    p.setCanalId(1L);
    p.setSlaveId(Long.parseLong(o.getOrDefault("slaveId", "71234")));
    p.setDbAddresses(List.of(new InetSocketAddress(o.getOrDefault("host", "127.0.0.1"),
        Integer.parseInt(o.getOrDefault("port", "3307")))));
    p.setDbUsername(o.getOrDefault("user", "root"));
    p.setDbPassword(o.getOrDefault("password", ""));
    p.setConnectionCharset("UTF-8");
    p.setDefaultDatabaseName(database);
    p.setPositions(List.of("{\"journalName\":\"" + req(o, "journalName") + "\",\"position\":"
        + req(o, "position") + ",\"timestamp\":0}"));
    p.setSourcingType(CanalParameter.SourcingType.MYSQL);
    p.setHaMode(CanalParameter.HAMode.HEARTBEAT);
    p.setMetaMode(CanalParameter.MetaMode.MEMORY);
    p.setIndexMode(CanalParameter.IndexMode.MEMORY);
    p.setStorageMode(CanalParameter.StorageMode.MEMORY);
    p.setMemoryStorageBufferSize(16 * 1024);
    p.setDetectingEnable(false);
    p.setHeartbeatHaEnable(false);
    p.setTsdbEnable(false);
    p.setGtidEnable(false);
    p.setParallel(false);
    p.setFilterTableError(false);

    Canal canal = new Canal();
    canal.setId(1L);
    canal.setName("syncline");
    canal.setCanalParameter(p);

    String filter = database + "\\..*";
    CanalServerWithEmbedded server = new CanalServerWithEmbedded();
    server.setCanalInstanceGenerator(destination -> new CanalInstanceWithManager(canal, filter));
    server.start();
    server.start("syncline");
    ClientIdentity client = new ClientIdentity("syncline", (short) 1001, filter);
    server.subscribe(client);
    System.out.println("READY");
    System.out.flush();

    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    long messages = 0;
    List<String> pending = null;
    long deadline = System.currentTimeMillis() + Long.parseLong(o.getOrDefault("capture.timeoutMs", "120000"));
    try (OutputStream out = new FileOutputStream(req(o, "capture.out"))) {
      boolean done = false;
      while (!done) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no stop row in time");
        Message message = server.getWithoutAck(client, batchSize, 200L, TimeUnit.MILLISECONDS);
        if (message.getId() == -1 || (message.getEntries().isEmpty() && message.getRawEntries().isEmpty()))
          continue;
        EntryRowData[] rows = MQMessageUtils.buildMessageData(message, executor);
        for (EntryRowData row : rows) {
          CanalEntry.Header h = row.entry.getHeader();
          if (stopTable.equals(h.getTableName())) {
            done = true;
            break;
          }
          List<String> lines = new ArrayList<>();
          for (FlatMessage flat : MQMessageUtils.messageConverter(new EntryRowData[] {row}, message.getId())) {
            String json = JSON.toJSONString(flat, JSONWriter.Feature.WriteNulls);
            if (withPosition)
              json = json.substring(0, json.length() - 1) + ",\"logfileName\":" + JSON.toJSONString(h.getLogfileName())
                  + ",\"logfileOffset\":" + h.getLogfileOffset() + "}";
            lines.add(json);
          }
          if (lines.isEmpty()) continue;
          // Canal's table filter drops other databases' row changes but not the statement text (QUERY) or
          // the DDL before them: on a shared server those are other people's. A QUERY is kept only when a
          // row change of this database follows it; DDL only when it names this database.
          CanalEntry.EventType type = row.rowChange == null ? null : row.rowChange.getEventType();
          if (type == CanalEntry.EventType.QUERY) {
            pending = lines;
            continue;
          }
          if (row.rowChange != null && row.rowChange.getIsDdl() && type != CanalEntry.EventType.TRUNCATE
              && !database.equals(h.getSchemaName())) {
            pending = null;
            continue;
          }
          if (pending != null) lines.addAll(0, pending);
          pending = null;
          for (String json : lines) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
            messages++;
          }
        }
        server.ack(client, message.getId());
      }
    } finally {
      executor.shutdownNow();
      server.stop("syncline");
      server.stop();
    }
    System.out.println("{\"messages\":" + messages + "}");
    System.exit(0);
  }

  private static String req(Map<String, String> o, String k) {
    String v = o.get(k);
    if (v == null) throw new IllegalArgumentException("missing " + k + " (given: " + Arrays.toString(o.keySet().toArray()) + ")");
    return v;
  }
}
