package io.abcstream.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Style rules the formatter cannot check: main code imports classes instead of naming them inline,
 * and Javadoc points at docs/ARCHITECTURE.md, not at a design document outside the repository.
 */
class SourceStyleTest {

  private static final Pattern INLINE_QUALIFIED_NAME =
      Pattern.compile(
          "(?<![\\w.@])(?:java|javax|org|com|io|ai)(?:\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*");
  private static final Pattern LINE_START_IMPORT_OR_PACKAGE =
      Pattern.compile("^\\s*(?:import|package)\\s", Pattern.MULTILINE);
  private static final Pattern OUTSIDE_DESIGN_REFERENCE = Pattern.compile("DESIGN(?:\\.md)? §");

  @Test
  void mainCodeImportsInsteadOfNamingClassesInline() {
    List<String> found = new ArrayList<>();
    for (Path file : mainSources()) {
      String code = codeOnly(read(file));
      String[] lines = code.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        if (LINE_START_IMPORT_OR_PACKAGE.matcher(lines[i]).find()) {
          continue;
        }
        Matcher m = INLINE_QUALIFIED_NAME.matcher(lines[i]);
        while (m.find()) {
          found.add(root().relativize(file) + ":" + (i + 1) + " " + m.group());
        }
      }
    }
    assertThat(found).as("inline qualified class names (import them)").isEmpty();
  }

  @Test
  void javadocCitesNoDesignDocumentOutsideTheRepository() {
    List<String> found = new ArrayList<>();
    for (Path file : mainSources()) {
      if (OUTSIDE_DESIGN_REFERENCE.matcher(read(file)).find()) {
        found.add(root().relativize(file).toString());
      }
    }
    assertThat(found).as("cite docs/ARCHITECTURE.md or give the reason in place").isEmpty();
  }

  @Test
  void theCheckSeesAnInlineNameButNotOneInACommentOrString() {
    String sample =
        "package a.b;\n"
            + "import java.util.List;\n"
            + "class X { // java.util.Map in a comment\n"
            + "  String s = \"java.util.Set in a string\";\n"
            + "  java.util.Locale l;\n"
            + "}\n";
    String code = codeOnly(sample);
    Matcher m = INLINE_QUALIFIED_NAME.matcher(code.split("\n")[4]);
    assertThat(m.find()).isTrue();
    assertThat(m.group()).isEqualTo("java.util.Locale");
    assertThat(INLINE_QUALIFIED_NAME.matcher(code.split("\n")[2]).find()).isFalse();
    assertThat(INLINE_QUALIFIED_NAME.matcher(code.split("\n")[3]).find()).isFalse();
  }

  /** The source with comments and string/char literals blanked out, line breaks kept. */
  static String codeOnly(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int n = source.length();
    int i = 0;
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("//", i)) {
        int end = source.indexOf('\n', i);
        i = blank(source, out, i, end < 0 ? n : end);
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        i = blank(source, out, i, end < 0 ? n : end + 2);
      } else if (source.startsWith("\"\"\"", i)) {
        int end = source.indexOf("\"\"\"", i + 3);
        i = blank(source, out, i, end < 0 ? n : end + 3);
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') {
          j += source.charAt(j) == '\\' ? 2 : 1;
        }
        i = blank(source, out, i, Math.min(j + 1, n));
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static int blank(String source, StringBuilder out, int from, int to) {
    for (int k = from; k < to; k++) {
      out.append(source.charAt(k) == '\n' ? '\n' : ' ');
    }
    return to;
  }

  private static Path root() {
    return Path.of(System.getProperty("abc.repo.root", "../")).toAbsolutePath().normalize();
  }

  private static List<Path> mainSources() {
    List<Path> files = new ArrayList<>();
    // module folders sit one or two levels below the root (bench/preprocess)
    try (Stream<Path> dirs = Files.walk(root(), 4)) {
      List<Path> mains =
          dirs.filter(p -> p.endsWith(Path.of("src", "main", "java")))
              .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
              .toList();
      for (Path main : mains) {
        try (Stream<Path> walk = Files.walk(main)) {
          walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(files).as("main sources under %s", root()).hasSizeGreaterThan(100);
    return files;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
