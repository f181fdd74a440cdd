/*
 * main() of the dm-agent executable: QuickJS 2021-03-27 + dmnative + the agent bundle already compiled to QuickJS
 * bytecode (scripts/build-agent runs `qjsc -c -m -N dm_agent_bytecode` on dist/quickjs/dm-agent.js and links that
 * array with this file and the QuickJS/dmnative objects scripts/build-qjs archives).
 *
 * Why: `qjs -m dm-agent.js` parses and compiles ~380 KB of JavaScript at every start, which was most of the time from
 * a button press to package 1 on the wire (docs/design.md, "Start-up"). Bytecode only has to be read.
 *
 * The run is the same as `qjs -m dm-agent.js ARGS...`: the context of qjs.c's JS_NewCustomContext (all standard
 * intrinsics, modules std, os and dmnative), the ES module loader for the bundle's dynamic import('dmnative'), no
 * promise-rejection tracker (qjs's default), scriptArgs = [program, ARGS...] (qjs gives [script, ARGS...]: the agent
 * reads scriptArgs.slice(1) either way), and the exit status the agent sets with std.exit (1 when the bundle throws
 * while it loads, as qjs).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "quickjs-libc.h"

extern const uint8_t dm_agent_bytecode[];
extern const uint32_t dm_agent_bytecode_size;
JSModuleDef *js_init_module_dmnative(JSContext *ctx, const char *module_name);

static JSContext *agent_context(JSRuntime *rt)
{
    JSContext *ctx = JS_NewContext(rt);
    if (!ctx)
        return NULL;
    js_init_module_std(ctx, "std");
    js_init_module_os(ctx, "os");
    js_init_module_dmnative(ctx, "dmnative");
    return ctx;
}

int main(int argc, char **argv)
{
    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx;
    if (!rt) {
        fprintf(stderr, "dm-agent: cannot allocate the JavaScript runtime\n");
        return 1;
    }
    js_std_set_worker_new_context_func(agent_context);
    js_std_init_handlers(rt);
    ctx = agent_context(rt);
    if (!ctx) {
        fprintf(stderr, "dm-agent: cannot allocate the JavaScript context\n");
        return 1;
    }
    JS_SetModuleLoaderFunc(rt, NULL, js_module_loader, NULL);
    js_std_add_helpers(ctx, argc, argv);
    /* Exits with status 1 after printing the exception when the bytecode cannot be read or its top level throws. */
    js_std_eval_binary(ctx, dm_agent_bytecode, dm_agent_bytecode_size, 0);
    js_std_loop(ctx);
    js_std_free_handlers(rt);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    return 0;
}
