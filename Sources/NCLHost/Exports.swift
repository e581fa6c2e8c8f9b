// The support layer (NCLSupport) is part of NCLHost's API: `import NCLHost` sees it too.
@_exported import NCLSupport
