"""SystemFactory, SystemConsumer, SystemProducer and SystemAdmin protocols."""
