"""control: community zero (社会面清零); episodes and the four "should" lists will join it."""
