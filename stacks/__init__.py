"""The CDK app: stages per account, the stacks they hold, and reusable constructs."""
