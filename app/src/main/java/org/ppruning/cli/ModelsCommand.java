package org.ppruning.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ppruning.catalog.CatalogEntry;
import org.ppruning.catalog.ModelCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ppruning models}: the pre-trained models ppruning can import by name. */
@Command(name = "models", description = "List the pre-trained models ppruning can import.")
final class ModelsCommand implements Callable<Integer> {
  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (CatalogEntry e : ModelCatalog.entries()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("name", e.name());
      r.put("format", e.format().name().toLowerCase().replace('_', '-'));
      r.put("source", "maven:" + e.coordinates());
      r.put("sizeBytes", e.sizeBytes());
      r.put("description", e.description());
      rows.add(r);
    }
    // No GPT-2 weights are published where ppruning fetches from; say how to get a stand-in.
    String selfTrained =
        "gpt2-shaped models: no published weights here; 'ppruning pretrain"
            + " --arch gpt2 --corpus sotu --out DIR' trains a small self-trained one";
    if (json) {
      Json.print(Map.of("models", rows, "selfTrained", selfTrained));
    } else {
      System.out.printf("%-30s %9s  %s%n", "NAME", "SIZE", "SOURCE / DESCRIPTION");
      for (Map<String, Object> r : rows) {
        System.out.printf(
            "%-30s %6.0f MB  %s%n%42s%s%n",
            r.get("name"),
            ((Long) r.get("sizeBytes")) / 1e6,
            r.get("source"),
            "",
            r.get("description"));
      }
      System.out.println(selfTrained);
    }
    return 0;
  }
}
