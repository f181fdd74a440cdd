/*
 * In-process throughput of libwbxml 0.11.8 on the codec benchmark corpus (scripts/bench-codec.ts builds and runs it).
 *   bench-codec <min_ms> <file>...      .wbxml files: WBXML -> XML (compact, like wbxml2xml -m 0)
 *                                        other files:  XML -> WBXML (WBXML 1.2, no string table, like xml2wbxml -n -v 1.2)
 *   bench-codec --size <file.xml>       prints the size of libwbxml's WBXML 1.2 encoding (no string table)
 * Output lines: "wbxml2xml <input_bytes_best_round> <ms_best_round> <passes> <failures> <input_bytes_all> <cpu_ms_all>"
 * and "xml2wbxml ...": wall time of the best of 7 rounds, and CPU time (CLOCK_PROCESS_CPUTIME_ID) over all 7 rounds,
 * as scripts/bench-codec-core.ts measures our side.
 * Each conversion creates and destroys its converter, as the libwbxml tools do (our side also starts from scratch).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wbxml/wbxml.h>
#include <wbxml/wbxml_conv.h>

typedef struct { unsigned char *data; size_t len; int is_wbxml; } Input;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int read_file(const char *path, Input *in) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  in->data = malloc(n + 1);
  if (fread(in->data, 1, n, f) != (size_t)n) { fclose(f); return -1; }
  in->data[n] = 0;
  in->len = n;
  fclose(f);
  size_t l = strlen(path);
  in->is_wbxml = l > 6 && strcmp(path + l - 6, ".wbxml") == 0;
  return 0;
}

static int to_xml(const Input *in) {
  WBXMLConvWBXML2XML *conv = NULL;
  WB_UTINY *xml = NULL;
  WB_ULONG xml_len = 0;
  if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK) return 1;
  wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_COMPACT);
  wbxml_conv_wbxml2xml_set_indent(conv, 0);
  WBXMLError ret = wbxml_conv_wbxml2xml_run(conv, in->data, (WB_ULONG)in->len, &xml, &xml_len);
  wbxml_conv_wbxml2xml_destroy(conv);
  free(xml);
  return ret != WBXML_OK;
}

static int to_wbxml(const Input *in, WB_ULONG *out_len) {
  WBXMLConvXML2WBXML *conv = NULL;
  WB_UTINY *wbxml = NULL;
  WB_ULONG wbxml_len = 0;
  if (wbxml_conv_xml2wbxml_create(&conv) != WBXML_OK) return 1;
  wbxml_conv_xml2wbxml_set_version(conv, WBXML_VERSION_12);
  wbxml_conv_xml2wbxml_disable_string_table(conv);
  WBXMLError ret = wbxml_conv_xml2wbxml_run(conv, in->data, (WB_ULONG)in->len, &wbxml, &wbxml_len);
  wbxml_conv_xml2wbxml_destroy(conv);
  free(wbxml);
  if (out_len) *out_len = wbxml_len;
  return ret != WBXML_OK;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--size") == 0) {
    Input in;
    WB_ULONG n = 0;
    if (read_file(argv[2], &in) != 0 || to_wbxml(&in, &n) != 0) { fprintf(stderr, "cannot encode %s\n", argv[2]); return 1; }
    printf("%lu\n", (unsigned long)n);
    return 0;
  }
  if (argc < 3) { fprintf(stderr, "usage: bench-codec <min_ms> <file>... | --size <file>\n"); return 2; }
  double min_ms = atof(argv[1]);
  int n = argc - 2;
  Input *inputs = calloc(n, sizeof(Input));
  for (int i = 0; i < n; i++) if (read_file(argv[i + 2], &inputs[i]) != 0) { fprintf(stderr, "cannot read %s\n", argv[i + 2]); return 1; }
  for (int dir = 0; dir < 2; dir++) {
    size_t bytes = 0;
    int passes = 0, failures = 0, any = 0;
    for (int i = 0; i < n; i++) if (inputs[i].is_wbxml == (dir == 0)) any = 1;
    if (!any) continue;
    /* warm-up pass, not timed */
    for (int i = 0; i < n; i++) if (inputs[i].is_wbxml == (dir == 0)) (void)(dir == 0 ? to_xml(&inputs[i]) : to_wbxml(&inputs[i], NULL));
    /* best of 7 rounds, as scripts/bench-codec-core.ts does: the least disturbed round on a shared machine */
    double best_rate = 0, best_t = 0;
    size_t best_bytes = 0, all_bytes = 0;
    double c0 = cpu_ms();
    for (int round = 0; round < 7; round++) {
      double t0 = now_ms(), t;
      bytes = 0;
      passes = 0;
      do {
        for (int i = 0; i < n; i++) {
          if (inputs[i].is_wbxml != (dir == 0)) continue;
          failures += dir == 0 ? to_xml(&inputs[i]) : to_wbxml(&inputs[i], NULL);
          bytes += inputs[i].len;
        }
        passes++;
        t = now_ms() - t0;
      } while (t < min_ms / 7);
      all_bytes += bytes;
      if (bytes / t > best_rate) { best_rate = bytes / t; best_t = t; best_bytes = bytes; }
    }
    double cpu = cpu_ms() - c0;
    printf("%s %zu %.3f %d %d %zu %.3f\n", dir == 0 ? "wbxml2xml" : "xml2wbxml", best_bytes, best_t, passes, failures, all_bytes, cpu);
  }
  return 0;
}
