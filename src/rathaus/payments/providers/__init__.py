"""Payment providers as plugins: ``base.Provider`` + ``registry``; one module per provider."""
