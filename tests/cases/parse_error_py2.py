# expect-parse-error
import asyncio

print "still Python 2"
asyncio.run(main())
