"""Code that runs in SageMaker containers, locally and in tests: build steps and monitoring."""
