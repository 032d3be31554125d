package dev.syncline.engines.opensearch;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import org.opensearch.Version;
import org.opensearch.analysis.common.CommonAnalysisModulePlugin;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasModulePlugin;
import org.opensearch.index.reindex.ReindexModulePlugin;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessModulePlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.PluginInfo;
import org.opensearch.transport.Netty4ModulePlugin;

/**
 * What OpenSearch 3.x needs of the shared launcher (engines/opensearch-launcher): the module plugins under their
 * 3.x names, and the Node constructor that takes a {@link PluginInfo} per plugin instead of the plugin class.
 */
final class Flavour {
    static final String NAME = "opensearch-3";

    /** The modules of the OpenSearch distribution that are on the classpath (see pom.xml). */
    private static final Collection<Class<? extends Plugin>> CLASSPATH_PLUGINS = List.of(
        Netty4ModulePlugin.class,
        CommonAnalysisModulePlugin.class,
        PainlessModulePlugin.class,
        ReindexModulePlugin.class,
        MapperExtrasModulePlugin.class
    );

    private Flavour() {}

    static Node newNode(Environment environment) {
        return new SynclineNode(environment, CLASSPATH_PLUGINS);
    }

    /** A plain OpenSearch node that accepts classpath plugins (the Node constructor for that is protected). */
    private static final class SynclineNode extends Node {
        SynclineNode(Environment environment, Collection<Class<? extends Plugin>> classpathPlugins) {
            super(environment, classpathPlugins.stream().map(SynclineNode::info).collect(Collectors.toList()), true);
        }

        private static PluginInfo info(Class<? extends Plugin> plugin) {
            return new PluginInfo(
                plugin.getName(),
                "classpath plugin",
                "NA",
                Version.CURRENT,
                "21",
                plugin.getName(),
                null,
                List.of(),
                false
            );
        }
    }
}
