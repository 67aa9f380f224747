"""Renders chat templates as transformers does, for the equality test of the template compiler.

Reads {"cases": [{"template", "messages", "tools", "add_generation_prompt", "special_tokens"}]}
on stdin; prints {"engine", "results": [{"text"} | {"error"}]}. Uses transformers'
render_jinja_template when transformers is installed, else the same Jinja2 environment built
here (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, and transformers'
tojson, raise_exception and strftime_now).
"""
import json
import sys
from datetime import datetime

try:
    from transformers.utils.chat_template_utils import render_jinja_template
    ENGINE = "transformers"
except Exception:  # transformers absent: the same environment by hand
    import jinja2.ext
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    ENGINE = "jinja2"
    _env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])

    def _raise(message):
        raise TemplateError(message)

    def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    _env.filters["tojson"] = _tojson
    _env.globals["raise_exception"] = _raise
    _env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    _compiled = {}

    def render_jinja_template(conversations, tools=None, documents=None, chat_template=None, add_generation_prompt=False, **kwargs):
        template = _compiled.get(chat_template)
        if template is None:
            template = _compiled[chat_template] = _env.from_string(chat_template)
        rendered = [template.render(messages=chat, tools=tools, documents=documents, add_generation_prompt=add_generation_prompt, **kwargs) for chat in conversations]
        return rendered, []


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            rendered, _ = render_jinja_template(
                conversations=[case["messages"]],
                tools=case.get("tools"),
                chat_template=case["template"],
                add_generation_prompt=case["add_generation_prompt"],
                **case["special_tokens"],
            )
            results.append({"text": rendered[0]})
        except Exception as error:  # the template raised: its message is what the test compares
            results.append({"error": str(error)})
    json.dump({"engine": ENGINE, "results": results}, sys.stdout, ensure_ascii=True)


main()
