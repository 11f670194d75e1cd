async def main(message):
    return f"main got: {message}"
