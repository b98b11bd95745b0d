/* clnas — the module file `clnas export` writes: a space's PyTorch template, the reader inlined, the network last. */
#include <stdio.h>
#include <string.h>

#include "embedded.h"
#include "pytorch_export.h"

/* The import line of the templates that the reader's text replaces. */
#define READER_IMPORT "from safetensors_read import read_safetensors"

/* The reader's code: its text after the module docstring and the blank lines that follow it. */
static const char *reader_code(const char *text)
{
    if (strncmp(text, "\"\"\"", 3) == 0) {
        const char *end = strstr(text + 3, "\"\"\"");
        if (!end)
            return text;
        text = end + 3;
    }
    while (*text == '\n')
        text++;
    return text;
}

/* The template, with the line that starts with READER_IMPORT replaced by the reader's code; -1 when either is not
 * embedded or the template lacks that line. */
static int write_template(FILE *f, const char *template_name)
{
    const char *tpl = clnas_embedded_find(clnas_embedded_pytorch, template_name);
    const char *reader = clnas_embedded_find(clnas_embedded_pytorch, "safetensors_read");
    if (!tpl || !reader)
        return -1;
    const char *at = strstr(tpl, "\n" READER_IMPORT);
    if (!at)
        return -1;
    at++;
    const char *eol = strchr(at, '\n');
    fwrite(tpl, 1, (size_t)(at - tpl), f);
    fputs(reader_code(reader), f);
    fputs(eol ? eol + 1 : "", f);
    return 0;
}

/* s as a Python string literal in double quotes (arch strings are printable ASCII; anything else is escaped). */
static void python_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* "[v0, v1, ...]" with %.17g, which Python reads back exactly. */
static void python_list(FILE *f, const double *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%.17g", i ? ", " : "", v[i]);
    fputc(']', f);
}

/* The network's constants and build(), which differ by space. */
static void write_network(FILE *f, const clnas_export_module *m)
{
    if (m->space == CLNAS_EXPORT_NB201) {
        fputs("ARCH = ", f);
        python_string(f, m->arch);
        fprintf(f, "\nCHANNELS, CELLS, IN_CHANNELS, HEIGHT, WIDTH, CLASSES = %d, %d, %d, %d, %d, %d\n"
                   "NAME = f\"NB201 {ARCH} C={CHANNELS} N={CELLS}\"\n", m->channels, m->depth, m->in_channels,
                m->height, m->width, m->classes);
    } else if (m->space == CLNAS_EXPORT_CHAIN) {
        fputs("ARCH = ", f);
        python_string(f, m->arch);
        fprintf(f, "\nCHANNELS, LAYERS, IN_CHANNELS, HEIGHT, WIDTH, CLASSES = %d, %d, %d, %d, %d, %d\n"
                   "NAME = f\"chain {ARCH} C={CHANNELS}\"\n", m->channels, m->depth, m->in_channels, m->height,
                m->width, m->classes);
    } else {
        fprintf(f, "GENOTYPE = %s\nARCH = str(GENOTYPE)\n"
                   "CHANNELS, LAYERS, IN_CHANNELS, HEIGHT, WIDTH, CLASSES = %d, %d, %d, %d, %d, %d\n"
                   "AUXILIARY = %s  # the auxiliary head (its logits come in training mode only)\n"
                   "NAME = f\"DARTS C={CHANNELS} layers={LAYERS}{' with the auxiliary head' if AUXILIARY else ''}\"\n",
                m->arch, m->channels, m->depth, m->in_channels, m->height, m->width, m->classes,
                m->auxiliary ? "True" : "False");
    }
    fputs("WEIGHTS = ", f);
    if (m->weights_file)
        python_string(f, m->weights_file);
    else
        fputs("None", f);
    fputs("  # the weights file beside this one, or None\n"
          "# The input normalisation the weights were trained with, (pixel / 255 - MEAN[c]) / STD[c], or None\n"
          "MEAN, STD = ", f);
    if (m->norm_channels > 0) {
        python_list(f, m->mean, m->norm_channels);
        fputs(", ", f);
        python_list(f, m->std, m->norm_channels);
    } else {
        fputs("None, None", f);
    }
    fprintf(f, "\nPARAMETERS = %lld  # trained parameters, as clnas counted them\n\n\n"
               "def build():\n"
               "    \"\"\"The exported network with PyTorch's default initialisation, in training mode.\"\"\"\n",
            m->params);
    if (m->space == CLNAS_EXPORT_NB201)
        fputs("    return NB201(ARCH, CHANNELS, CELLS, IN_CHANNELS, CLASSES)\n", f);
    else if (m->space == CLNAS_EXPORT_CHAIN)
        fputs("    return ChainNetwork(ARCH, CHANNELS, IN_CHANNELS, CLASSES)\n", f);
    else
        fputs("    return DARTSNetwork(GENOTYPE, CHANNELS, LAYERS, IN_CHANNELS, CLASSES, AUXILIARY)\n", f);
}

/* load() and the self-check, the same for every space. */
static const char tail[] =
    "\n\n"
    "def load(path=None):\n"
    "    \"\"\"The exported network with the weights of path (default: WEIGHTS beside this file), in eval mode. The\n"
    "    load is strict: the file holds every parameter and running statistic of the network, and nothing else.\"\"\"\n"
    "    if path is None:\n"
    "        if WEIGHTS is None:\n"
    "            raise ValueError(\"this module was exported without weights: load(path) of a safetensors file\")\n"
    "        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), WEIGHTS)\n"
    "    model = build()\n"
    "    model.load_state_dict(read_safetensors(path)[0])\n"
    "    return model.eval()\n"
    "\n\n"
    "def main():\n"
    "    \"\"\"Self-check: the network (with its weights when exported with them) counts the parameters clnas counted\n"
    "    and maps a batch of two zero images to two rows of logits in eval mode. Exit status 0 when both hold.\"\"\"\n"
    "    model = load() if WEIGHTS else build().eval()\n"
    "    count = sum(p.numel() for p in model.parameters())\n"
    "    with torch.no_grad():\n"
    "        logits = model(torch.zeros(2, IN_CHANNELS, HEIGHT, WIDTH))\n"
    "    loaded = f\", weights {WEIGHTS} loaded\" if WEIGHTS else \"\"\n"
    "    print(f\"{NAME}: {count} parameters (clnas counted {PARAMETERS}){loaded}; \"\n"
    "          f\"a 2x{IN_CHANNELS}x{HEIGHT}x{WIDTH} batch gives logits {tuple(logits.shape)}\")\n"
    "    return 0 if count == PARAMETERS and tuple(logits.shape) == (2, CLASSES) else 1\n"
    "\n\n"
    "if __name__ == \"__main__\":\n"
    "    sys.exit(main())\n";

/* The template's name: share/clnas/NAME.py. */
static const char *template_of(clnas_export_space space)
{
    return space == CLNAS_EXPORT_NB201 ? "nb201" : space == CLNAS_EXPORT_CHAIN ? "chain" : "darts";
}

int clnas_export_module_write(FILE *f, void *module)
{
    const clnas_export_module *m = module;
    fprintf(f, "# Written by `clnas export` (clnas %s) from share/clnas/%s.py, with the network at the end of this\n"
               "# file baked in: plain PyTorch, no clnas needed. `python3 %s` checks itself; from Python,\n"
               "# `from model import build, load`: load() is the network with its exported weights in eval mode, build() a\n"
               "# freshly initialised one.\n",
            CLNAS_VERSION_STRING, template_of(m->space), CLNAS_EXPORT_MODULE_FILE);
    if (write_template(f, template_of(m->space)) != 0)
        return -1;
    fputs("\n\n# ---- the exported network, written by clnas export ----\n"
          "import os  # noqa: E402\nimport sys  # noqa: E402\n\n", f);
    write_network(f, m);
    fputs(tail, f);
    return ferror(f) ? -1 : 0;
}
