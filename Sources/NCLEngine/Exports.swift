// The support layer (NCLSupport) is part of the engine's API: `import NCLEngine` sees it too.
@_exported import NCLSupport
