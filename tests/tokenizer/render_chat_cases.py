#!/usr/bin/python3
"""Renders every conversation of chat_cases.json with Python's jinja2 from the official templates,
set up as HuggingFace transformers sets up apply_chat_template (a sandboxed environment with
trim_blocks, lstrip_blocks, loop controls, raise_exception, bos_token and the other special
tokens), and writes what gemmakit's FormatGemmaChat must produce.

  render_chat_cases.py TOKENIZER_CONFIG_JSON CHAT_CASES_JSON OUT_JSON

TOKENIZER_CONFIG_JSON is Gemma 3's real tokenizer_config.json (written by the gemma3_tokenizer
fixture); the Gemma 1/2 template is gemma2_chat_template.jinja next to this script. Per case and
template, OUT_JSON holds the case and {"text": ...}, or {"error": ...} where jinja raised.
"""

import json
import os
import sys

import jinja2
import jinja2.ext
import jinja2.sandbox


def compile_template(source):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                                       extensions=[jinja2.ext.loopcontrols])
    env.globals["raise_exception"] = raise_exception
    return env.from_string(source)


def main():
    config_path, cases_path, out_path = sys.argv[1:4]
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "gemma2_chat_template.jinja"), encoding="utf-8") as f:
        gemma2 = f.read()
    templates = {"gemma3": compile_template(config["chat_template"]), "gemma2": compile_template(gemma2)}
    special = {k: config[k] for k in ("bos_token", "eos_token", "unk_token", "pad_token") if isinstance(config.get(k), str)}
    with open(cases_path, encoding="utf-8") as f:
        cases = json.load(f)
    out = {"gemma3_template": config["chat_template"], "cases": []}
    for case in cases:
        rendered = dict(case)
        for name, template in templates.items():
            try:
                rendered[name] = {"text": template.render(messages=case["messages"], tools=None, documents=None,
                                                          add_generation_prompt=case["add_generation_prompt"],
                                                          **special)}
            except jinja2.exceptions.TemplateError as e:  # raise_exception, undefined values
                rendered[name] = {"error": f"{type(e).__name__}: {e}"}
        out["cases"].append(rendered)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"render_chat_cases: {len(cases)} conversations rendered with jinja2 {jinja2.__version__}")


if __name__ == "__main__":
    main()
