package dev.syncline.engines.opensearch;

import java.util.Collection;
import java.util.List;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/** What OpenSearch 2.x needs of the shared launcher (engines/opensearch-launcher): its module plugins and Node. */
final class Flavour {
    static final String NAME = "opensearch";

    /** The modules of the OpenSearch distribution that are on the classpath (see pom.xml). */
    private static final Collection<Class<? extends Plugin>> CLASSPATH_PLUGINS = List.of(
        Netty4Plugin.class,
        CommonAnalysisPlugin.class,
        PainlessPlugin.class,
        ReindexPlugin.class,
        MapperExtrasPlugin.class
    );

    private Flavour() {}

    static Node newNode(Environment environment) {
        return new SynclineNode(environment, CLASSPATH_PLUGINS);
    }

    /** A plain OpenSearch node that accepts classpath plugins (the Node constructor for that is protected). */
    private static final class SynclineNode extends Node {
        SynclineNode(Environment environment, Collection<Class<? extends Plugin>> classpathPlugins) {
            super(environment, classpathPlugins, true);
        }
    }
}
