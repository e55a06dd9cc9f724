/** The CI canary for a test file that cannot even be loaded: it throws on import. */
throw new Error("this canary file throws on import on purpose");
