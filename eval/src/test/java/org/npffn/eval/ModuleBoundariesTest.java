package org.npffn.eval;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library modules' dependency rules, checked on their compiled classes (eval is the one module that sees
 * all of them). The two FFN kinds are peers: what both need (top-k routing, softmax, GELU, the combine) lives
 * in attention-stack. The rules read the classes' own references, so they fail on an import of the other kind
 * even where a pom dependency has been added back to make it compile. docs/architecture.md draws the graph.
 */
class ModuleBoundariesTest {
  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("org.npffn");
    // the rules below would hold vacuously if a module's classes were not on the classpath
    for (String name : new String[] {"org.npffn.np.NpFfnLayer", "org.npffn.moe.MoeFfnLayer",
        "org.npffn.stack.TransformerStack", "org.npffn.eval.NpEval"}) {
      assertTrue(main.contain(name), name + " was not imported");
    }
  }

  @Test
  void theNpLayerDoesNotDependOnTheMoe() {
    noClasses().that().resideInAPackage("org.npffn.np..")
        .should().dependOnClassesThat().resideInAPackage("org.npffn.moe..")
        .because("np-layer and moe-baseline are peers: what both use belongs in attention-stack")
        .check(main);
  }

  @Test
  void theMoeDoesNotDependOnTheNpLayer() {
    noClasses().that().resideInAPackage("org.npffn.moe..")
        .should().dependOnClassesThat().resideInAPackage("org.npffn.np..")
        .because("np-layer and moe-baseline are peers: what both use belongs in attention-stack")
        .check(main);
  }

  @Test
  void theStackDependsOnNoFfnKindAndNotOnTheHarness() {
    noClasses().that().resideInAPackage("org.npffn.stack..")
        .should().dependOnClassesThat().resideInAnyPackage("org.npffn.moe..", "org.npffn.np..", "org.npffn.eval..")
        .because("attention-stack is the shared base every FFN kind builds on")
        .check(main);
  }

  @Test
  void theLibrariesDoNotDependOnTheHarness() {
    noClasses().that().resideInAnyPackage("org.npffn.moe..", "org.npffn.np..")
        .should().dependOnClassesThat().resideInAPackage("org.npffn.eval..")
        .because("the harness (eval) uses the libraries, never the reverse")
        .check(main);
  }
}
