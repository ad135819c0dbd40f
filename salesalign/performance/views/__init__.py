"""Pages of the performance app (method step 3), one module per part: periods, feedback,
360° rounds, improvement actions, retrospectives."""
