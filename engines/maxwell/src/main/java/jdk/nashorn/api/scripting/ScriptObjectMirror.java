package jdk.nashorn.api.scripting;

/**
 * Stand-in for Nashorn's ScriptObjectMirror (removed from the JDK in Java 15). Maxwell 1.22.6's MaxwellJson
 * and Scripting refer to it, so the class must exist for them to load on Java 17; the corpus recordings use
 * no --javascript filter, so none of these methods is ever called.
 */
public class ScriptObjectMirror {
  public boolean isFunction() {
    return false;
  }

  public Object call(Object thiz, Object... args) {
    throw new UnsupportedOperationException("Nashorn is not available: Maxwell's --javascript is not supported here");
  }

  public Object callMember(String name, Object... args) {
    throw new UnsupportedOperationException("Nashorn is not available: Maxwell's --javascript is not supported here");
  }
}
