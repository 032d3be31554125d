package dev.syncline.engines.opensearch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.opensearch.action.admin.cluster.health.ClusterHealthResponse;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;

/**
 * Starts a single embedded OpenSearch node for Syncline — 2.x or 3.x: what differs between them (the module
 * plugins' class names, the Node constructor) lives in {@link Flavour}, one source per engine directory
 * (engines/opensearch for 2.19, engines/opensearch-3 for 3.9), compiled together with this shared file.
 *
 * <pre>
 *   Launcher --home DIR --port N [--transport-port N|A-B] [--host 127.0.0.1]
 * </pre>
 *
 * Layout: DIR/config (log4j2.properties is (re)written on every start), DIR/data, DIR/logs.
 * When the HTTP layer is up and the cluster is at least yellow (existing indices' primaries recovered; waits at most
 * 60 s), one line {@code SYNCLINE_ENGINE_READY http=HOST:PORT} is printed to the original stdout. SIGTERM / SIGINT close the node cleanly (exit code 143/130 from the JVM).
 *
 * {@link Flavour} is first touched after the logging system properties are set, before any OpenSearch class
 * (whose static initialisers touch log4j) is loaded.
 */
public final class Launcher {

    static final String NODE_NAME = "syncline-node";
    static final String CLUSTER_NAME = "syncline";

    private static final String LOG4J2_PROPERTIES = String.join(
        "\n",
        "# Written by the Syncline launcher on every start; edits are overwritten.",
        "status = error",
        "appender.console.type = Console",
        "appender.console.name = console",
        "appender.console.target = SYSTEM_OUT",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.console.ref = console",
        "# deprecation warnings are noisy and irrelevant for an embedded node",
        "logger.deprecation.name = org.opensearch.deprecation",
        "logger.deprecation.level = error",
        ""
    );

    private Launcher() {}

    public static void main(String[] argv) throws Exception {
        // Must happen before log4j / OpenSearch classes are initialised.
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");
        System.setProperty("log4j2.formatMsgNoLookups", "true");

        final Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("syncline " + Flavour.NAME + " launcher: " + e.getMessage());
            System.err.println("usage: Launcher --home DIR --port N [--transport-port N|A-B] [--host 127.0.0.1]");
            System.exit(64);
            return;
        }

        final PrintStream originalOut = System.out; // LogConfigurator redirects System.out into log4j
        final Path home = args.home.toAbsolutePath().normalize();
        final Path config = home.resolve("config");
        final Path data = home.resolve("data");
        final Path logs = home.resolve("logs");
        Files.createDirectories(config);
        Files.createDirectories(data);
        Files.createDirectories(logs);
        Files.writeString(config.resolve("log4j2.properties"), LOG4J2_PROPERTIES, StandardCharsets.UTF_8);

        final Settings settings = Settings.builder()
            .put("cluster.name", CLUSTER_NAME)
            .put("node.name", NODE_NAME)
            .put("discovery.type", "single-node")
            .put("network.host", args.host)
            .put("http.port", args.httpPort)
            .put("transport.port", args.transportPort)
            .put("path.home", home.toString())
            .put("path.data", data.toString())
            .put("path.logs", logs.toString())
            // a dev/test node on a shared disk: never block writes because the disk is "full"
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            // small heaps + no tuned GC settings: account breakers by request size, not by live heap usage
            .put("indices.breaker.total.use_real_memory", false)
            .build();

        LogConfigurator.registerErrorListener();
        final Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> NODE_NAME);
        LogConfigurator.setNodeName(NODE_NAME);
        LogConfigurator.configure(environment);
        final Logger logger = LogManager.getLogger(Launcher.class);

        final Node node;
        try {
            node = Flavour.newNode(environment);
        } catch (Exception | Error e) {
            // e.g. "failed to obtain node locks": another node already uses this home
            logger.error("failed to create OpenSearch node", e);
            Configurator.shutdown((LoggerContext) LogManager.getContext(false));
            System.exit(1);
            return;
        }
        final CountDownLatch keepAlive = new CountDownLatch(1);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                logger.info("shutdown signal received, closing node");
                node.close();
                if (node.awaitClose(10, TimeUnit.SECONDS) == false) {
                    logger.warn("node did not close within 10s");
                } else {
                    logger.info("node closed");
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                logger.warn("error while closing node", e);
            } finally {
                keepAlive.countDown();
                Configurator.shutdown((LoggerContext) LogManager.getContext(false));
            }
        }, "syncline-opensearch-shutdown"));

        try {
            node.start();
        } catch (Exception | Error e) {
            logger.error("failed to start OpenSearch node", e);
            // exit() runs the shutdown hook, which closes the half-started node
            System.exit(1);
            return;
        }
        useNoReplicasByDefault(node, logger);
        waitForYellow(node, logger);
        originalOut.println("SYNCLINE_ENGINE_READY http=" + args.host + ":" + args.httpPort);
        originalOut.flush();

        // OpenSearch's threads are daemon threads: keep the JVM alive until the shutdown hook has run.
        keepAlive.await();
    }

    /**
     * Single node: replicas can never be assigned, so make new indices default to 0 replicas (green, not yellow).
     * `cluster.default_number_of_replicas` is only honoured as a cluster-state setting, not as a node setting,
     * so it is applied as a persistent cluster setting (it survives restarts; an explicit index setting wins).
     */
    private static void useNoReplicasByDefault(Node node, Logger logger) {
        try {
            node.client()
                .admin()
                .cluster()
                .prepareUpdateSettings()
                .setPersistentSettings(Settings.builder().put("cluster.default_number_of_replicas", 0))
                .execute()
                .actionGet(30_000L);
        } catch (RuntimeException e) {
            logger.warn("could not set cluster.default_number_of_replicas=0; new indices will be yellow", e);
        }
    }

    /** Wait (bounded) until existing indices have recovered their primaries, so "ready" means searchable. */
    private static void waitForYellow(Node node, Logger logger) {
        try {
            ClusterHealthResponse health = node.client()
                .admin()
                .cluster()
                .prepareHealth()
                .setWaitForYellowStatus()
                .setTimeout("60s")
                .execute()
                .actionGet(65_000L);
            if (health.isTimedOut()) {
                logger.warn("cluster health still {} after 60s; reporting ready anyway", health.getStatus());
            }
        } catch (RuntimeException e) {
            logger.warn("cluster health check failed; reporting ready anyway", e);
        }
    }

    /** Command line arguments. */
    static final class Args {
        Path home;
        int httpPort = -1;
        String transportPort = "9300-9400";
        String host = "127.0.0.1";

        static Args parse(String[] argv) {
            Args a = new Args();
            for (int i = 0; i < argv.length; i++) {
                String k = argv[i];
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("missing value for " + k);
                }
                String v = argv[++i];
                switch (k) {
                    case "--home":
                        a.home = Paths.get(v);
                        break;
                    case "--port":
                        a.httpPort = parsePort(k, v);
                        break;
                    case "--transport-port":
                        if (!v.matches("\\d{1,5}(-\\d{1,5})?")) {
                            throw new IllegalArgumentException("--transport-port must be N or A-B, got " + v);
                        }
                        a.transportPort = v;
                        break;
                    case "--host":
                        a.host = v;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument " + k);
                }
            }
            if (a.home == null) {
                throw new IllegalArgumentException("--home is required");
            }
            if (a.httpPort < 0) {
                throw new IllegalArgumentException("--port is required");
            }
            return a;
        }

        private static int parsePort(String k, String v) {
            try {
                int p = Integer.parseInt(v);
                if (p < 1 || p > 65535) {
                    throw new NumberFormatException();
                }
                return p;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(k + " must be a port number, got " + v);
            }
        }
    }
}
