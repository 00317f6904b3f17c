package org.ppruning.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQuAD files written in the official layout (first questions of SQuAD's own dev sets). */
class SquadJsonTest {
  @TempDir Path tmp;

  static final String CONTEXT =
      "Super Bowl 50 was an American football game to determine the "
          + "champion of the National Football League (NFL) for the 2015 season. The American Football "
          + "Conference (AFC) champion Denver Broncos defeated the National Football Conference (NFC) "
          + "champion Carolina Panthers 24\u201310 to earn their third Super Bowl title.";

  private Path write(String name, String json) throws IOException {
    return Files.writeString(tmp.resolve(name), json);
  }

  static String v1() {
    return """
        {"data": [{"title": "Super_Bowl_50", "paragraphs": [{"context": "%s",
          "qas": [{"answers": [{"answer_start": 177, "text": "Denver Broncos"},
                               {"answer_start": 177, "text": "Denver Broncos"},
                               {"answer_start": 177, "text": "Denver Broncos"}],
                   "question": "Which NFL team represented the AFC at Super Bowl 50?",
                   "id": "56be4db0acb8001400a502ec"},
                  {"answers": [{"answer_start": 249, "text": "Carolina Panthers"}],
                   "question": "Which NFL team represented the NFC at Super Bowl 50?",
                   "id": "56be4db0acb8001400a502ed"}]}]}],
         "version": "1.1"}
        """
        .formatted(CONTEXT.replace("\u2013", "\\u2013"));
  }

  @Test
  void readsV11WithCharacterOffsets() throws IOException {
    List<QaSample> q = SquadJson.read(write("dev-v1.1.json", v1()));

    assertEquals(2, q.size());
    QaSample a = q.get(0);
    assertEquals("56be4db0acb8001400a502ec", a.id());
    assertEquals("Super_Bowl_50", a.title());
    assertEquals(3, a.answers().size());
    assertEquals(new QaSample.Answer("Denver Broncos", 177), a.answers().get(0));
    assertEquals("Denver Broncos", a.context().substring(177, a.answers().get(0).end()));
    assertFalse(a.impossible());
    assertEquals("Carolina Panthers", q.get(1).answers().get(0).text());
    assertEquals(CONTEXT, a.context());
  }

  @Test
  void readsV20ImpossibleQuestions() throws IOException {
    String json =
        """
        {"version": "v2.0", "data": [{"title": "Normans", "paragraphs": [{
          "context": "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.",
          "qas": [{"question": "In what country is Normandy located?", "id": "56ddde6b9a695914005b9628",
                   "answers": [{"text": "France", "answer_start": 104}], "is_impossible": false},
                  {"plausible_answers": [{"text": "Normans", "answer_start": 4}],
                   "question": "Who gave their name to Normandy in the 1000's and 1100's",
                   "id": "5ad39d53604f3c001a3fe8d1", "answers": [], "is_impossible": true}]}]}]}
        """;
    List<QaSample> q = SquadJson.read(write("dev-v2.0.json", json));
    assertEquals(2, q.size());
    assertEquals("France", q.get(0).answers().get(0).text());
    assertTrue(q.get(1).impossible());
    assertTrue(q.get(1).answers().isEmpty());
  }

  @Test
  void errorsNameThePathAndTheQuestion() throws IOException {
    Path off =
        write("bad-offset.json", v1().replace("\"answer_start\": 249", "\"answer_start\": 250"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SquadJson.read(off));
    assertEquals(
        off
            + " data[0].paragraphs[0].qas[1] (id 56be4db0acb8001400a502ed).answers[0]"
            + ".answer_start: 250 does not point at 'Carolina Panthers' in the context; found "
            + "'arolina Panthers '",
        e.getMessage());

    Path syntax = write("broken.json", "{\"version\": \"1.1\",\n \"data\": [ {\"title\": }]}");
    e = assertThrows(IllegalArgumentException.class, () -> SquadJson.read(syntax));
    assertTrue(
        e.getMessage()
            .startsWith(syntax + " line 2 column 22: not JSON: Unexpected " + "character ('}'"),
        e.getMessage());

    Path v1Impossible =
        write(
            "v1-impossible.json",
            v1().replace(
                    "\"id\": \"56be4db0acb8001400a502ed\"}",
                    "\"id\": \"56be4db0acb8001400a502ed\", " + "\"is_impossible\": false}"));
    e = assertThrows(IllegalArgumentException.class, () -> SquadJson.read(v1Impossible));
    assertEquals(
        v1Impossible
            + " data[0].paragraphs[0].qas[1] (id 56be4db0acb8001400a502ed)"
            + ".is_impossible: only SQuAD v2.0 has is_impossible; this file says version 1.1",
        e.getMessage());

    Path noAnswer =
        write(
            "no-answer.json",
            v1().replace("[{\"answer_start\": 249, \"text\": \"Carolina Panthers\"}]", "[]"));
    e = assertThrows(IllegalArgumentException.class, () -> SquadJson.read(noAnswer));
    assertEquals(
        noAnswer
            + " data[0].paragraphs[0].qas[1] (id 56be4db0acb8001400a502ed)"
            + ".answers: no answer",
        e.getMessage());

    Path dupId = write("dup.json", v1().replace("502ed", "502ec"));
    e = assertThrows(IllegalArgumentException.class, () -> SquadJson.read(dupId));
    assertEquals(
        dupId + " data[0].paragraphs[0].qas[1] (id 56be4db0acb8001400a502ec): duplicate " + "id",
        e.getMessage());

    Path version = write("v3.json", v1().replace("\"1.1\"", "\"v3\""));
    e = assertThrows(IllegalArgumentException.class, () -> SquadJson.read(version));
    assertEquals(
        version + " field version: expected \"1.1\" or \"v2.0\", got \"v3\"", e.getMessage());
  }
}
