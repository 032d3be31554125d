package dev.syncline.engines.elasticsearch;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.elasticsearch.action.admin.cluster.health.ClusterHealthRequest;
import org.elasticsearch.action.admin.cluster.health.ClusterHealthResponse;
import org.elasticsearch.action.admin.cluster.health.TransportClusterHealthAction;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginBundle;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Starts a single embedded Elasticsearch 8.x / 9.x node for Syncline, from the Maven Central jars (server +
 * transport-netty4). One source for both majors: the only API difference used here
 * ({@code PluginsLoader.loadModulesBundles(Path)} in 8.x, {@code (Path, boolean)} in 9.x) is bridged by reflection.
 *
 * <pre>
 *   Launcher --home DIR --port N [--transport-port N|A-B] [--host 127.0.0.1]
 * </pre>
 *
 * The JVM property {@code syncline.moduleJars} names the directory of the transport-netty4 module's jars (kept off
 * the classpath by prepare: the module is loaded by {@link PluginsLoader} in its own class loader, and a jar on both
 * would be "jar hell"). On every start DIR/modules/transport-netty4/ is rebuilt from those jars plus the plugin
 * descriptor shipped inside the module jar, without its {@code modulename} line so that it loads as a classpath
 * (non-modular) plugin. Layout otherwise as engines/opensearch: DIR/config, DIR/data, DIR/logs, DIR/tmp.
 *
 * Ready line: {@code SYNCLINE_ENGINE_READY http=HOST:PORT} on the original stdout once the cluster is at least yellow.
 * Not included (not on Maven Central): analysis-common, lang-painless, reindex, rest-root (so {@code GET /} is 405).
 */
public final class Launcher {

    static final String NODE_NAME = "syncline-node";
    static final String CLUSTER_NAME = "syncline";
    static final String MODULE = "transport-netty4";

    private static final String LOG4J2_PROPERTIES = String.join(
        "\n",
        "# Written by the Syncline launcher on every start; edits are overwritten.",
        "status = error",
        "appender.console.type = Console",
        "appender.console.name = console",
        "appender.console.target = SYSTEM_OUT",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %marker %m%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.console.ref = console",
        "logger.deprecation.name = org.elasticsearch.deprecation",
        "logger.deprecation.level = error",
        ""
    );

    private Launcher() {}

    public static void main(String[] argv) throws Exception {
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");
        System.setProperty("log4j2.formatMsgNoLookups", "true");

        final Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("syncline elasticsearch launcher: " + e.getMessage());
            System.err.println("usage: Launcher --home DIR --port N [--transport-port N|A-B] [--host 127.0.0.1]");
            System.exit(64);
            return;
        }
        final String moduleJars = System.getProperty("syncline.moduleJars");
        if (moduleJars == null || Files.isDirectory(Paths.get(moduleJars)) == false) {
            System.err.println("syncline elasticsearch launcher: -Dsyncline.moduleJars=<dir of the transport-netty4 jars> is required");
            System.exit(64);
            return;
        }

        final PrintStream originalOut = System.out;
        final Path home = args.home.toAbsolutePath().normalize();
        final Path config = home.resolve("config");
        final Path data = home.resolve("data");
        final Path logs = home.resolve("logs");
        final Path modules = home.resolve("modules");
        Files.createDirectories(config);
        Files.createDirectories(data);
        Files.createDirectories(logs);
        Files.writeString(config.resolve("log4j2.properties"), LOG4J2_PROPERTIES, StandardCharsets.UTF_8);
        buildModuleDir(Paths.get(moduleJars), modules.resolve(MODULE));

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
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            .put("indices.breaker.total.use_real_memory", false)
            .build();

        LogConfigurator.registerErrorListener();
        final Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> NODE_NAME);
        LogConfigurator.setNodeName(NODE_NAME);
        LogConfigurator.configure(environment, true);
        final Logger logger = LogManager.getLogger(Launcher.class);

        final Node node;
        try {
            PluginsLoader loader = PluginsLoader.createPluginsLoader(loadModulesBundles(modules), Set.of(), Map.of(), false);
            node = new Node(environment, loader);
        } catch (Exception | Error e) {
            logger.error("failed to create Elasticsearch node", e);
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
        }, "syncline-elasticsearch-shutdown"));

        try {
            node.start();
        } catch (Exception | Error e) {
            logger.error("failed to start Elasticsearch node", e);
            System.exit(1);
            return;
        }
        waitForYellow(node, logger);
        originalOut.println("SYNCLINE_ENGINE_READY http=" + args.host + ":" + args.httpPort);
        originalOut.flush();

        // Every Elasticsearch thread is a daemon thread: block main until the shutdown hook has run.
        keepAlive.await();
    }

    /** modules/transport-netty4: links to the module's jars + its descriptor without the modulename line. */
    static void buildModuleDir(Path jars, Path target) throws IOException {
        if (Files.exists(target)) {
            try (DirectoryStream<Path> old = Files.newDirectoryStream(target)) {
                for (Path p : old) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(target);
        String descriptor = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(jars, "*.jar")) {
            for (Path jar : ds) {
                Files.createSymbolicLink(target.resolve(jar.getFileName()), jar.toAbsolutePath());
                if (jar.getFileName().toString().startsWith(MODULE + "-")) {
                    descriptor = readDescriptor(jar);
                }
            }
        }
        if (descriptor == null) {
            throw new IOException("no " + MODULE + "-*.jar with META-INF/es-plugins/" + MODULE + "/plugin-descriptor.properties in " + jars);
        }
        List<String> kept = new ArrayList<>();
        for (String line : descriptor.split("\n")) {
            if (line.startsWith("modulename=") == false) {
                kept.add(line);
            }
        }
        Files.write(target.resolve("plugin-descriptor.properties"), kept, StandardCharsets.UTF_8);
    }

    private static String readDescriptor(Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            ZipEntry e = jf.getEntry("META-INF/es-plugins/" + MODULE + "/plugin-descriptor.properties");
            if (e == null) {
                return null;
            }
            try (InputStream in = jf.getInputStream(e)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /** 9.x: loadModulesBundles(Path, boolean withEntitlements); 8.x: loadModulesBundles(Path). */
    @SuppressWarnings("unchecked")
    static Set<PluginBundle> loadModulesBundles(Path modules) throws ReflectiveOperationException {
        for (Method m : PluginsLoader.class.getMethods()) {
            if (m.getName().equals("loadModulesBundles")) {
                Object[] a = m.getParameterCount() == 2 ? new Object[] { modules, false } : new Object[] { modules };
                return (Set<PluginBundle>) m.invoke(null, a);
            }
        }
        throw new NoSuchMethodException("PluginsLoader.loadModulesBundles");
    }

    private static void waitForYellow(Node node, Logger logger) {
        try {
            ClusterHealthRequest request = new ClusterHealthRequest(TimeValue.timeValueSeconds(60)).waitForYellowStatus()
                .timeout(TimeValue.timeValueSeconds(60));
            ClusterHealthResponse health = node.client().execute(TransportClusterHealthAction.TYPE, request).actionGet(TimeValue.timeValueSeconds(65));
            if (health.isTimedOut()) {
                logger.warn("cluster health still {} after 60s; reporting ready anyway", health.getStatus());
            }
        } catch (RuntimeException e) {
            logger.warn("cluster health check failed; reporting ready anyway", e);
        }
    }

    /** Command line arguments (same as engines/opensearch). */
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
                    case "--home" -> a.home = Paths.get(v);
                    case "--port" -> a.httpPort = parsePort(k, v);
                    case "--transport-port" -> {
                        if (!v.matches("\\d{1,5}(-\\d{1,5})?")) {
                            throw new IllegalArgumentException("--transport-port must be N or A-B, got " + v);
                        }
                        a.transportPort = v;
                    }
                    case "--host" -> a.host = v;
                    default -> throw new IllegalArgumentException("unknown argument " + k);
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
